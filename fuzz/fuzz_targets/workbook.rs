#![no_main]
//! `cargo fuzz run workbook`: see `crossfoot_fuzz::workbook`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        crossfoot_fuzz::let_reader_panics_unwind();
        let _ = crossfoot_fuzz::builtin_pack();
    },
    |data: &[u8]| {
        crossfoot_fuzz::workbook(data);
    }
);
