use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, Luma};

use super::*;

fn png_of(img: GrayImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageLuma8(img)
        .write_to(&mut out, ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

fn sample(path: &str) -> Vec<u8> {
    let full = format!("{}/../samples/sites/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// A PNG with a valid IHDR claiming `w`×`h` pixels and no image data.
fn header_only_png(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut crc = flate2::Crc::new();
    crc.update(b"IHDR");
    crc.update(&ihdr);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&(ihdr.len() as u32).to_be_bytes());
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc.sum().to_be_bytes());
    for kind in [b"IDAT", b"IEND"] {
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        png.extend_from_slice(&0u32.to_be_bytes());
        png.extend_from_slice(kind);
        png.extend_from_slice(&crc.sum().to_be_bytes());
    }
    png
}

#[test]
fn known_tiny_pngs() {
    // Brighter to the right on every row: every bit set.
    let rising = png_of(GrayImage::from_fn(9, 8, |x, _| Luma([(x * 20) as u8])));
    assert_eq!(
        dhash(&rising).expect("hash").to_string(),
        "dhash:ffffffffffffffff"
    );
    // Darker to the right: no bit set.
    let falling = png_of(GrayImage::from_fn(9, 8, |x, _| {
        Luma([200 - (x * 20) as u8])
    }));
    assert_eq!(
        dhash(&falling).expect("hash").to_string(),
        "dhash:0000000000000000"
    );
    // Rising on even rows only: alternate bytes.
    let rows = png_of(GrayImage::from_fn(9, 8, |x, y| {
        Luma([if y % 2 == 0 { x * 20 } else { 200 - x * 20 } as u8])
    }));
    assert_eq!(
        dhash(&rows).expect("hash").to_string(),
        "dhash:ff00ff00ff00ff00"
    );
}

#[test]
fn text_form_round_trips() {
    let h = Dhash(0x8f3a_0000_0000_01ff);
    assert_eq!(h.to_string(), "dhash:8f3a0000000001ff");
    assert_eq!("dhash:8f3a0000000001ff".parse::<Dhash>(), Ok(h));
    assert!("dhash:8f3a".parse::<Dhash>().is_err());
    assert!("sha256:8f3a0000000001ff".parse::<Dhash>().is_err());
    assert_eq!(Dhash(0).distance(Dhash(0b1011)), 3);
}

#[test]
fn identical_photos_hash_equal() {
    let a = sample("market/img/70466-1.png");
    assert_eq!(dhash(&a).expect("a"), dhash(&a.clone()).expect("a again"));
}

/// The samples' planted reposts (ground truth clusters C02, C07, C08): the same picture
/// brightened with a few white pixels, on another site.
#[test]
fn altered_sample_photos_are_within_the_threshold() {
    for (original, altered) in [
        ("market/img/70466-1.png", "forum/attachments/1237-1.png"),
        ("classifieds/img/40327-1.png", "channel/img/121-1.png"),
        ("classifieds/img/40205-1.png", "classifieds/img/40440-1.png"),
    ] {
        let (a, b) = (sample(original), sample(altered));
        assert_ne!(a, b, "{original} and {altered} differ in bytes");
        let d = dhash(&a)
            .expect(original)
            .distance(dhash(&b).expect(altered));
        assert!(d <= 6, "{original} vs {altered}: distance {d}");
        let c = fingerprint(&a)
            .expect(original)
            .color
            .distance(fingerprint(&b).expect(altered).color);
        assert!(c <= 10, "{original} vs {altered}: colour distance {c}");
    }
}

#[test]
fn unrelated_photos_are_far() {
    let a = dhash(&sample("market/img/70466-1.png")).expect("a");
    let b = dhash(&sample("classifieds/img/40327-1.png")).expect("b");
    let c = dhash(&sample("classifieds/img/40205-1.png")).expect("c");
    for (x, y) in [(a, b), (a, c), (b, c)] {
        assert!(x.distance(y) > 12, "{x} vs {y}: {}", x.distance(y));
    }
}

#[test]
fn oversized_photo_is_refused_before_decoding() {
    let err = dhash(&header_only_png(10_000, 10_000)).expect_err("too large");
    assert_eq!(err.class(), "image_too_large", "{err}");
    assert!(err.to_string().contains("10000x10000"), "{err}");
    let big = vec![0u8; MAX_BYTES + 1];
    assert_eq!(dhash(&big).expect_err("bytes").class(), "image_too_large");
}

#[test]
fn broken_photos_give_an_error_class() {
    let err = dhash(b"<html>not a photo</html>").expect_err("format");
    assert_eq!(err.class(), "image_format");
    // A valid header without image data.
    let err = dhash(&header_only_png(16, 16)).expect_err("truncated");
    assert_eq!(err.class(), "image_decode", "{err}");
    let mut cut = sample("market/img/70466-1.png");
    cut.truncate(cut.len() / 2);
    assert_eq!(dhash(&cut).expect_err("cut").class(), "image_decode");
    assert_eq!(dhash(b"").expect_err("empty").class(), "image_format");
}

#[test]
fn flat_hashes_are_not_distinctive() {
    assert!(!Dhash(0).is_distinctive());
    assert!(!Dhash(u64::MAX).is_distinctive());
    assert!(!Dhash(0x0100_0000_0000_0080).is_distinctive());
    assert!(Dhash(0xa500_4a00_a000_5500).is_distinctive());
    let flat = png_of(GrayImage::from_pixel(40, 40, Luma([90])));
    let f = fingerprint(&flat).expect("flat");
    assert_eq!(f.dhash, Dhash(0));
    assert_eq!(f.color.to_string(), "rgb:5a5a5a");
    assert_eq!("rgb:5a5a5a".parse::<MeanColor>(), Ok(f.color));
}
