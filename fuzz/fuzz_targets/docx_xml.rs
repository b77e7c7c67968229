#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| quarry::fuzz::docx_xml(data));
