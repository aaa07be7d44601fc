mod generate;

fn main() {
    // Temporary dispatch on branch `gen`; the lead wires the real CLI.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("generate") => match generate::run(&args[1..]) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("truexp generate: {e}");
                2
            }
        },
        _ => {
            eprintln!("usage: truexp generate --shops N --orders M [...]");
            2
        }
    };
    std::process::exit(code);
}
