//! A zip entry inflated whole, in one call: the parts crossfoot reads whole (the sniff's small
//! entries, the own reader's sheets, shared strings and styles, the package's relationships and
//! workbook part).
//!
//! The zip crate's reader sets up an inflater for every entry and inflates it as a stream,
//! through a buffer; most parts of a branch workbook are a few kilobytes, so setting up was most
//! of the work. Here one decompressor per thread (libdeflate's, which inflates a whole buffer
//! at once) is used for every entry, straight from the file's bytes to the part's.
//!
//! Only what the zip crate's reader would give is given: an entry that is deflated and not
//! encrypted, whose stream ends within its stored bytes and unpacks to exactly the size its
//! directory entry declares (no more than the caller's `limit`), and whose content matches its
//! checksum. Anything else is `None`, and the caller reads the entry with the zip crate's
//! reader, with that reader's checks, errors and bounds: a damaged or unusual entry is read as
//! it always was.

use std::cell::RefCell;
use std::io::Cursor;

/// A zip archive over a file's bytes held in memory.
pub type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// The largest part of a workbook held whole (16 MiB): the own reader's values
/// (`xlsx_values`) and the parts read as XML (`sheet_xml`); a larger one is streamed.
pub const PART_BOUND: u64 = 16 * 1024 * 1024;

thread_local! {
    /// Each thread's decompressor, made when first needed and kept (it holds no data between
    /// entries).
    static DECOMPRESSOR: RefCell<Option<libdeflater::Decompressor>> = const { RefCell::new(None) };
}

/// Entry `index` of `archive` (whose bytes are `bytes`) inflated whole, when it is deflated,
/// declares at most `limit` bytes and is read exactly as declared (see the module's doc);
/// `None` otherwise.
pub fn whole(bytes: &[u8], archive: &mut Archive<'_>, index: usize, limit: u64) -> Option<Vec<u8>> {
    let raw = archive.by_index_raw(index).ok()?;
    let declared = raw.size();
    if raw.compression() != zip::CompressionMethod::Deflated || raw.encrypted() || declared > limit
    {
        return None;
    }
    let checksum = raw.crc32();
    let start = usize::try_from(raw.data_start()?).ok()?;
    let end = start.checked_add(usize::try_from(raw.compressed_size()).ok()?)?;
    let packed = bytes.get(start..end)?;
    let declared = usize::try_from(declared).ok()?;
    let mut out = vec![0u8; declared];
    let inflated = DECOMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        let decompressor = cell.get_or_insert_with(libdeflater::Decompressor::new);
        decompressor.deflate_decompress(packed, &mut out).ok()
    })?;
    // A stream that unpacks to more than declared does not fit (an error above); one that
    // unpacks to less is told by its length.
    if inflated != declared || crc32fast::hash(&out) != checksum {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A zip of the given entries, each deflated (`true`) or stored.
    fn zip_of(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content, deflated) in entries {
            let method = if *deflated {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            };
            let opts = zip::write::SimpleFileOptions::default().compression_method(method);
            w.start_file(*name, opts).expect("start");
            w.write_all(content).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    fn whole_of(bytes: &[u8], index: usize, limit: u64) -> Option<Vec<u8>> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
        whole(bytes, &mut archive, index, limit)
    }

    #[test]
    fn a_deflated_entry_is_inflated_whole_as_the_zip_reader_gives_it() {
        let content = "<sheetData><row r=\"1\"/></sheetData>".repeat(200);
        let bytes = zip_of(&[("a.xml", b"x", true), ("b.xml", content.as_bytes(), true)]);
        assert_eq!(
            whole_of(&bytes, 1, 1 << 20).as_deref(),
            Some(content.as_bytes())
        );
        assert_eq!(whole_of(&bytes, 0, 1 << 20).as_deref(), Some(&b"x"[..]));
    }

    #[test]
    fn what_the_zip_reader_must_read_is_left_to_it() {
        let content = "abc".repeat(1000);
        let bytes = zip_of(&[
            ("s.xml", content.as_bytes(), false),
            ("d.xml", content.as_bytes(), true),
        ]);
        // Stored, not deflated.
        assert_eq!(whole_of(&bytes, 0, 1 << 20), None);
        // Declaring more than the limit.
        assert_eq!(whole_of(&bytes, 1, 2_999), None);
        assert!(whole_of(&bytes, 1, 3_000).is_some());
        // A checksum that does not match (the stored CRC-32 altered in the central directory).
        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes[..])).expect("a zip");
        let crc = archive
            .by_index_raw(1)
            .expect("entry")
            .crc32()
            .to_le_bytes();
        drop(archive);
        let mut bad = bytes.clone();
        let at = bad
            .windows(4)
            .rposition(|w| w == crc)
            .expect("the central directory's CRC");
        bad[at] ^= 1;
        assert_eq!(whole_of(&bad, 1, 1 << 20), None);
    }

    #[test]
    fn a_stream_cut_short_is_left_to_the_zip_reader() {
        let content = (0..20_000u32).map(|i| (i % 251) as u8).collect::<Vec<u8>>();
        let bytes = zip_of(&[("d.bin", &content, true)]);
        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes[..])).expect("a zip");
        let raw = archive.by_index_raw(0).expect("entry");
        let start = usize::try_from(raw.data_start().expect("start")).expect("fits");
        let end = start + usize::try_from(raw.compressed_size()).expect("fits");
        drop(raw);
        drop(archive);
        // The deflate stream's last half overwritten: it no longer ends where it should.
        let mut cut = bytes.clone();
        for b in &mut cut[start + (end - start) / 2..end] {
            *b = 0;
        }
        assert_eq!(whole_of(&cut, 0, 1 << 20), None);
    }
}
