//! Price protection (价保). Being written.
