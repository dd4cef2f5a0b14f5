#![no_main]
//! `cargo fuzz run rules`: see `crossfoot_fuzz::rules`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    crossfoot_fuzz::rules(data);
});
