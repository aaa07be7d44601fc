//! truexp
