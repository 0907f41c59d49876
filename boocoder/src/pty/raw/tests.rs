use pretty_assertions::assert_eq;

use super::*;

#[test]
fn colours_and_other_sequences_vanish() {
    let out = b"\x1b[?25l\x1b[1;32mok\x1b[0m done\x1b]0;title\x07\r\n";
    assert_eq!(plain_text(out), "ok done\n");
}

#[test]
fn carriage_return_overwrites_and_erase_clears() {
    // A progress line redrawn three times, then replaced by a shorter one.
    let out = b"progress 10%\rprogress 50%\rprogress 100%\r\x1b[2Kdone\r\nnext\n";
    assert_eq!(plain_text(out), "done\nnext\n");
    // Without erase the tail of the longer text stays, as on a terminal.
    assert_eq!(plain_text(b"abcdef\rxy\n"), "xycdef\n");
    assert_eq!(plain_text(b"abcdef\rxy\x1b[K\n"), "xy\n");
    assert_eq!(plain_text(b"abc\x08\x08Z\n"), "aZc\n");
    assert_eq!(plain_text(b"abc\x1b[1GX\x1b[2CY\n"), "XbcY\n");
}

#[test]
fn text_is_released_by_the_line_and_split_input_is_fine() {
    let mut raw = RawText::new();
    let bytes = "héllo \x1b[31mwörld\x1b[0m\r\nsecond".as_bytes();
    let mut got = Vec::new();
    for b in bytes {
        let t = raw.push(std::slice::from_ref(b));
        if !t.is_empty() {
            got.push(t);
        }
    }
    got.push(raw.finish());
    assert_eq!(got, vec!["héllo wörld\n".to_owned(), "second".to_owned()]);
    assert_eq!(raw.finish(), "");
}
