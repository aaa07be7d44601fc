//! A small, strict argument parser.
//!
//! Why hand-written: the CLI has a handful of flags and the runtime
//! dependency budget is tight (serde, thiserror, libloading, cbindgen).
//! Unknown flags are errors, never ignored.

/// Parsed flags and positional arguments of one subcommand.
#[derive(Debug, Default)]
pub struct Args {
    flags: Vec<(String, Option<String>)>,
    pub positional: Vec<String>,
}

impl Args {
    /// Parses `args`; `valued` lists the flags that take a value, `switches` those that do not.
    pub fn parse(args: &[String], valued: &[&str], switches: &[&str]) -> Result<Args, String> {
        let mut out = Args::default();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let (name, inline) = match name.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (name, None),
                };
                if valued.contains(&name) {
                    let v = match inline {
                        Some(v) => v,
                        None => it
                            .next()
                            .ok_or_else(|| format!("--{name} needs a value"))?
                            .clone(),
                    };
                    out.flags.push((name.to_owned(), Some(v)));
                } else if switches.contains(&name) && inline.is_none() {
                    out.flags.push((name.to_owned(), None));
                } else {
                    return Err(format!("unknown option --{name}"));
                }
            } else {
                out.positional.push(a.clone());
            }
        }
        Ok(out)
    }

    /// True when the switch was given.
    pub fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| n == name)
    }

    /// The last value of a valued flag.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// A valued flag parsed as an integer.
    pub fn int(&self, name: &str) -> Result<Option<i64>, String> {
        self.value(name)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| format!("--{name} expects an integer, got `{v}`"))
            })
            .transpose()
    }
}
