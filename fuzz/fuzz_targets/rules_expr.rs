#![no_main]
//! `cargo fuzz run rules_expr`: see `crossfoot_fuzz::rules_expr`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    crossfoot_fuzz::rules_expr(data);
});
