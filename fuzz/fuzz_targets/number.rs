#![no_main]
//! `cargo fuzz run number`: see `crossfoot_fuzz::number`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    crossfoot_fuzz::number(data);
});
