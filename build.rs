//! Build settings for the `quarry` executable.
//!
//! On Linux x86-64 the executable is linked at a fixed address (not position-independent):
//! a position-independent one spends about 2 ms of every start relocating some 40,000
//! pointers, which is most of what a short command such as `quarry search --count` costs.
//! Only this package's binaries are linked so; tests, benches and dependencies are not.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && arch == "x86_64" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
