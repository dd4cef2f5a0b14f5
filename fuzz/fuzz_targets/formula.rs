#![no_main]
//! `cargo fuzz run formula`: see `crossfoot_fuzz::formula`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    crossfoot_fuzz::formula(data);
});
