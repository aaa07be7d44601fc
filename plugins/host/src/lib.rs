//! Loading truexp bonus plugins from shared libraries.
//!
//! Why a separate crate: `truexp` (core) is free of `unsafe`; opening shared
//! libraries and calling through C function pointers is inherently unsafe, so it
//! lives here, in one small file where every `unsafe` block states its reasoning.
//!
//! Policy:
//! - [`load_dir`] loads every `*.so` file (the platform's `DLL_SUFFIX`) in one
//!   directory, once, in sorted file-name order. Other files and subdirectories
//!   are ignored.
//! - Everything is validated at load: the file opens, the symbol
//!   `truexp_plugin_entry_v1` exists and returns a non-null table, ABI version,
//!   struct size (at least the v1 size), non-null function, name/version/categories
//!   are sane UTF-8, no two plugins share a name.
//! - **All or nothing**: one bad file refuses the whole load with a [`LoadError`]
//!   naming the file and the reason. An operator who put a file into the plugin
//!   directory expects it to count; silently scoring without it would be worse.
//! - Libraries are **never unloaded** (unloading code with thread-locals crashes on
//!   several platforms): each `Library` is leaked, also the ones opened before a
//!   refused file.
//! - Every answer is untrusted: a failing status, points outside `0..=5` points,
//!   an overlong or non-UTF-8 reason become an `Err` for that shop only.

#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::ffi::{c_char, CStr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use libloading::Library;
use truexp::bonus::{Bonus, BonusInput, BonusRule};
use truexp_plugin::{abi, CInput, CInputRef, REASON_CAP};

/// Longest accepted plugin name, version or category, in bytes.
pub const MAX_NAME_LEN: usize = 64;
/// Most categories one plugin may list.
pub const MAX_CATEGORIES: usize = 64;

/// Why loading plugins was refused. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The directory could not be listed.
    #[error("cannot read plugin directory {dir}: {source}")]
    ReadDir {
        /// The directory.
        dir: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The shared library could not be opened.
    #[error("plugin {file}: cannot open: {source}")]
    Open {
        /// The file.
        file: PathBuf,
        /// The loader's error.
        source: libloading::Error,
    },
    /// The entry symbol is missing.
    #[error("plugin {file}: missing symbol `truexp_plugin_entry_v1` (not a truexp plugin, or built for another ABI version)")]
    MissingSymbol {
        /// The file.
        file: PathBuf,
    },
    /// The entry function returned null.
    #[error("plugin {file}: entry function returned a null table")]
    NullTable {
        /// The file.
        file: PathBuf,
    },
    /// The table's ABI version is not 1.
    #[error("plugin {file}: ABI version {found}, this host speaks {expected}")]
    AbiVersion {
        /// The file.
        file: PathBuf,
        /// Version in the table.
        found: u32,
        /// Version this host speaks.
        expected: u32,
    },
    /// The table is smaller than a v1 table.
    #[error("plugin {file}: table struct_size {found} is smaller than the v1 table ({min} bytes)")]
    StructSize {
        /// The file.
        file: PathBuf,
        /// Size in the table.
        found: u32,
        /// Minimum size.
        min: usize,
    },
    /// The table pointer is misaligned for the table type.
    #[error("plugin {file}: table pointer is misaligned")]
    MisalignedTable {
        /// The file.
        file: PathBuf,
    },
    /// A function pointer in the table is null.
    #[error("plugin {file}: function `{field}` is null")]
    NullFunction {
        /// The file.
        file: PathBuf,
        /// The table field.
        field: &'static str,
    },
    /// The name, version or a category is not acceptable.
    #[error("plugin {file}: bad {field}: {reason}")]
    BadString {
        /// The file.
        file: PathBuf,
        /// Which string (`name`, `version`, `categories[2]`, ...).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The category list is not acceptable.
    #[error("plugin {file}: bad category list: {reason}")]
    Categories {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Two plugins share a name.
    #[error("plugin {file}: name `{name}` is already used by {first}")]
    DuplicateName {
        /// The file.
        file: PathBuf,
        /// The name.
        name: String,
        /// The file that claimed it first.
        first: PathBuf,
    },
}

/// One loaded plugin, usable as an engine [`BonusRule`].
#[derive(Debug)]
pub struct LoadedPlugin {
    file: PathBuf,
    name: String,
    version: String,
    categories: Vec<String>,
    bonus: abi::BonusFn,
}

impl LoadedPlugin {
    /// The file it was loaded from.
    pub fn file(&self) -> &Path {
        &self.file
    }
    /// The categories it applies to.
    pub fn categories(&self) -> &[String] {
        &self.categories
    }

    /// One raw call through the table with an already converted input, for
    /// benchmarks and diagnostics. `buf` receives the reason; its old contents do not
    /// matter (only the `reason_len` bytes the plugin reports are read back).
    pub fn call_raw(
        &self,
        input: &CInputRef<'_>,
        buf: &mut [u8; REASON_CAP],
    ) -> Result<Bonus, String> {
        let mut out = abi::BonusOutput {
            points: 0,
            flags: 0,
            reserved: 0,
            reason: buf.as_mut_ptr().cast(),
            reason_cap: REASON_CAP,
            reason_len: 0,
        };
        // SAFETY: `bonus` was checked non-null at load and comes from a library that is
        // never unloaded. `input` can only be made by `CInput::abi` from a live
        // `BonusInput`, and borrows it, so all its pointers are valid for the call; `out` is a valid output whose `reason`
        // points to `REASON_CAP` initialised, writable bytes we borrow exclusively.
        let status = unsafe { (self.bonus)(&**input, &mut out) };
        truexp_plugin::decode(status, &out, &buf[..])
    }
}

impl BonusRule for LoadedPlugin {
    fn name(&self) -> &str {
        &self.name
    }
    fn version(&self) -> &str {
        &self.version
    }
    fn applies_to(&self, category: &str) -> bool {
        self.categories.iter().any(|c| c == category)
    }
    fn bonus(&self, input: &BonusInput) -> Result<Bonus, String> {
        let c_input = CInput::new(input);
        let raw = c_input.abi();
        let mut buf = [0u8; REASON_CAP];
        self.call_raw(&raw, &mut buf)
            .map_err(|e| format!("plugin {} ({}): {e}", self.name, self.file.display()))
    }
}

/// Loads every plugin in `dir` (sorted by file name); all or nothing.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Vec<Arc<dyn BonusRule>>, LoadError> {
    Ok(load_dir_plugins(dir)?
        .into_iter()
        .map(|p| p as Arc<dyn BonusRule>)
        .collect())
}

/// Like [`load_dir`], keeping the concrete type (file, categories, raw calls).
pub fn load_dir_plugins(dir: impl AsRef<Path>) -> Result<Vec<Arc<LoadedPlugin>>, LoadError> {
    let dir = dir.as_ref();
    let read_err = |source| LoadError::ReadDir {
        dir: dir.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        let is_lib = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(std::env::consts::DLL_SUFFIX));
        if is_lib && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    load_files(&files)
}

/// Loads the given files in the given order; all or nothing, names must be unique.
pub fn load_files(files: &[PathBuf]) -> Result<Vec<Arc<LoadedPlugin>>, LoadError> {
    let mut loaded: Vec<Arc<LoadedPlugin>> = Vec::with_capacity(files.len());
    for file in files {
        let plugin = load_file(file)?;
        if let Some(first) = loaded.iter().find(|p| p.name == plugin.name) {
            return Err(LoadError::DuplicateName {
                file: file.clone(),
                name: plugin.name.clone(),
                first: first.file.clone(),
            });
        }
        loaded.push(Arc::new(plugin));
    }
    Ok(loaded)
}

/// Loads and validates one plugin file.
pub fn load_file(file: impl AsRef<Path>) -> Result<LoadedPlugin, LoadError> {
    let file = file.as_ref().to_owned();
    // SAFETY: opening a library runs its initialisers. The operator chose the plugin
    // directory; loading code from it is the trust decision this API exists for.
    let lib = unsafe { Library::new(&file) }.map_err(|source| LoadError::Open {
        file: file.clone(),
        source,
    })?;
    // Never unload: the library lives for the rest of the process, even if refused below.
    let lib: &'static Library = Box::leak(Box::new(lib));
    // SAFETY: the symbol, if present, is by contract a function of type `EntryFn`;
    // the type cannot be checked by the loader, which is why the name carries the version.
    let entry: abi::EntryFn = match unsafe { lib.get::<abi::EntryFn>(abi::ENTRY_SYMBOL) } {
        Ok(sym) => *sym,
        Err(_) => return Err(LoadError::MissingSymbol { file }),
    };
    // SAFETY: calling the plugin's entry function (no arguments) as the ABI prescribes.
    let table = unsafe { entry() };
    if table.is_null() {
        return Err(LoadError::NullTable { file });
    }
    // SAFETY: every table version starts with the two u32 of `TableHeader`; read only
    // those before trusting `struct_size`. The table is static in a never-unloaded library.
    let header = unsafe { table.cast::<abi::TableHeader>().read_unaligned() };
    if header.abi_version != abi::ABI_VERSION {
        return Err(LoadError::AbiVersion {
            file,
            found: header.abi_version,
            expected: abi::ABI_VERSION,
        });
    }
    if (header.struct_size as usize) < abi::PLUGIN_V1_SIZE {
        return Err(LoadError::StructSize {
            file,
            found: header.struct_size,
            min: abi::PLUGIN_V1_SIZE,
        });
    }
    if !table.is_aligned() {
        return Err(LoadError::MisalignedTable { file });
    }
    // SAFETY: the plugin declares at least `PLUGIN_V1_SIZE` bytes and the pointer is
    // aligned; the table is static and immutable for the life of the process.
    let table: &'static abi::PluginV1 = unsafe { &*table };
    let Some(bonus) = table.bonus else {
        return Err(LoadError::NullFunction {
            file,
            field: "bonus",
        });
    };
    // SAFETY: by contract a static NUL-terminated string, or null (checked inside).
    let name = unsafe { static_str(&file, "name".into(), table.name) }?;
    // SAFETY: as for `name`.
    let version = unsafe { static_str(&file, "version".into(), table.version) }?;
    if name.is_empty() {
        return Err(bad(&file, "name", "empty"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Err(bad(&file, "name", "must be [a-z0-9_-]+"));
    }
    // SAFETY: by contract a static NULL-terminated array (checked inside, bounded).
    let categories = unsafe { categories(&file, table.categories) }?;
    Ok(LoadedPlugin {
        file,
        name,
        version,
        categories,
        bonus,
    })
}

fn bad(file: &Path, field: &str, reason: &str) -> LoadError {
    LoadError::BadString {
        file: file.to_owned(),
        field: field.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Reads a static C string from the table, checking null, length and UTF-8.
///
/// # Safety
/// `ptr` must be null or point to a NUL-terminated string that stays valid.
unsafe fn static_str(file: &Path, field: String, ptr: *const c_char) -> Result<String, LoadError> {
    let err = |reason: &str| LoadError::BadString {
        file: file.to_owned(),
        field: field.clone(),
        reason: reason.to_owned(),
    };
    if ptr.is_null() {
        return Err(err("null pointer"));
    }
    // SAFETY: non-null and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    if bytes.len() > MAX_NAME_LEN {
        return Err(err(&format!("longer than {MAX_NAME_LEN} bytes")));
    }
    let s = std::str::from_utf8(bytes).map_err(|e| err(&format!("not valid UTF-8 ({e})")))?;
    if s.chars().any(char::is_control) {
        return Err(err("contains control characters"));
    }
    Ok(s.to_owned())
}

/// Reads the NULL-terminated category array: 1..=MAX_CATEGORIES sane, distinct names.
///
/// # Safety
/// `list` must be null or point to an array of C-string pointers terminated by null.
unsafe fn categories(file: &Path, list: *const *const c_char) -> Result<Vec<String>, LoadError> {
    let err = |reason: String| LoadError::Categories {
        file: file.to_owned(),
        reason,
    };
    if list.is_null() {
        return Err(err("null pointer".into()));
    }
    let mut out: Vec<String> = Vec::new();
    for i in 0..=MAX_CATEGORIES {
        // SAFETY: within the array by the caller's contract; we stop at the first null
        // and never read past MAX_CATEGORIES + 1 entries.
        let p = unsafe { list.add(i).read() };
        if p.is_null() {
            if out.is_empty() {
                return Err(err("no categories".into()));
            }
            return Ok(out);
        }
        if i == MAX_CATEGORIES {
            break;
        }
        // SAFETY: a non-null entry is a static NUL-terminated string by contract.
        let c = unsafe { static_str(file, format!("categories[{i}]"), p) }?;
        if c.is_empty() {
            return Err(err(format!("categories[{i}] is empty")));
        }
        if out.contains(&c) {
            return Err(err(format!("category `{c}` is listed twice")));
        }
        out.push(c);
    }
    Err(err(format!(
        "more than {MAX_CATEGORIES} categories or missing NULL terminator"
    )))
}
