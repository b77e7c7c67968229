#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| quarry::fuzz::tweets_js(data));
