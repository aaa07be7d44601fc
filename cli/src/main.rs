// Temporary dispatch on branch `pp` to exercise `price-protect`; the lead
// reconciles main.rs.
mod price_protect;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("price-protect") => match price_protect::run(&args[1..]) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("{e}");
                2
            }
        },
        _ => {
            eprintln!("usage: truexp price-protect ...");
            2
        }
    };
    std::process::exit(code);
}
