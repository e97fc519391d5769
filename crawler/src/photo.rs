//! Perceptual hash of listing photos: a 64-bit difference hash (dHash). The photo is decoded
//! (PNG, JPEG, GIF, WebP), turned to grayscale, shrunk to 9×8 pixels, and each bit says whether
//! a pixel is darker than its right neighbour. Re-encoded, re-sized, lightly edited or
//! brightened copies of a photo keep most bits, so the Hamming distance of two hashes measures
//! how alike two photos look (0 = same picture, ≈ 32 = unrelated). Before shrinking, the photo
//! is reduced to 36×32 and median-filtered, so isolated specks (a few changed pixels, a small
//! overlay) do not flip bits. The mean colour is kept too: dHash sees only luminance, and two
//! different patterned pictures can share a hash while their colours differ.
//!
//! Decoding is bounded: photos above [`MAX_BYTES`] encoded bytes or [`MAX_PIXELS`] pixels are
//! refused before decoding, and the decoder's allocations are capped; a refusal is an error with
//! a [`PhotoError::class`] for the fetch log, never a panic.

use std::fmt;
use std::io::Cursor;
use std::str::FromStr;

use image::imageops::FilterType;
use image::{GrayImage, ImageReader, Limits, Luma};

/// Largest encoded photo hashed (bytes).
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
/// Largest photo hashed (width × height): 40 megapixels.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Cap on the decoder's allocations: an 8-bit RGBA picture of [`MAX_PIXELS`] plus slack.
const MAX_ALLOC: u64 = MAX_PIXELS * 4 + 16 * 1024 * 1024;
/// Prefix of a hash in text form (`dhash:` and 16 hex digits).
pub const PREFIX: &str = "dhash:";

/// Size of the intermediate picture that is median-filtered before the 9×8 reduction.
const WORK_W: u32 = 36;
/// Height of the intermediate picture.
const WORK_H: u32 = 32;
/// Fewest set bits of a hash that says something about a picture (see [`Dhash::is_distinctive`]).
const MIN_BITS: u32 = 8;

/// Why a photo has no hash.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// More encoded bytes than [`MAX_BYTES`].
    #[error("photo of {bytes} bytes is above the {limit}-byte limit for hashing")]
    TooManyBytes {
        /// Encoded size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// More pixels than [`MAX_PIXELS`], or the decoder needed more memory than allowed.
    #[error("photo of {width}x{height} pixels is above the {limit}-pixel limit for hashing")]
    TooLarge {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// The limit.
        limit: u64,
    },
    /// Not a PNG, JPEG, GIF or WebP.
    #[error("photo format not recognised (PNG, JPEG, GIF and WebP are hashed)")]
    Format,
    /// The decoder failed (truncated, corrupt, over the memory cap …).
    #[error("photo could not be decoded: {0}")]
    Decode(String),
}

impl PhotoError {
    /// Error class for the fetch log: `image_too_large`, `image_format` or `image_decode`.
    pub fn class(&self) -> &'static str {
        match self {
            Self::TooManyBytes { .. } | Self::TooLarge { .. } => "image_too_large",
            Self::Format => "image_format",
            Self::Decode(_) => "image_decode",
        }
    }
}

/// A 64-bit difference hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dhash(pub u64);

impl Dhash {
    /// Number of differing bits (0–64).
    pub fn distance(self, other: Dhash) -> u32 {
        (self.0 ^ other.0).count_ones()
    }
}

impl Dhash {
    /// False for near-flat hashes (fewer than 8 or more than 56 set bits): a plain or finely
    /// patterned picture is flat at 9×8, and all such pictures hash alike, so their hashes must
    /// not link listings.
    pub fn is_distinctive(self) -> bool {
        (MIN_BITS..=64 - MIN_BITS).contains(&self.0.count_ones())
    }
}

impl fmt::Display for Dhash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{:016x}", self.0)
    }
}

/// A text that is not `dhash:` and 16 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a photo hash (expected `dhash:` and 16 hex digits): {0:?}")]
pub struct BadDhash(pub String);

impl FromStr for Dhash {
    type Err = BadDhash;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.strip_prefix(PREFIX)
            .filter(|h| h.len() == 16)
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .map(Dhash)
            .ok_or_else(|| BadDhash(s.to_string()))
    }
}

/// The mean colour of a photo (8-bit sRGB), written `rgb:` and 6 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeanColor(pub [u8; 3]);

impl MeanColor {
    /// Largest difference over the three channels (0–255).
    pub fn distance(self, other: MeanColor) -> u8 {
        (0..3)
            .map(|k| self.0[k].abs_diff(other.0[k]))
            .max()
            .unwrap_or(0)
    }
}

impl fmt::Display for MeanColor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "rgb:{r:02x}{g:02x}{b:02x}")
    }
}

impl FromStr for MeanColor {
    type Err = BadDhash;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.strip_prefix("rgb:")
            .filter(|h| h.len() == 6)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .map(|v| {
                let [_, r, g, b] = v.to_be_bytes();
                MeanColor([r, g, b])
            })
            .ok_or_else(|| BadDhash(s.to_string()))
    }
}

/// What is recorded of a photo: its dHash and mean colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// Difference hash.
    pub dhash: Dhash,
    /// Mean colour.
    pub color: MeanColor,
}

/// The dHash of an encoded photo, within the decoding bounds of this module.
pub fn dhash(bytes: &[u8]) -> Result<Dhash, PhotoError> {
    fingerprint(bytes).map(|f| f.dhash)
}

/// The fingerprint of an encoded photo, within the decoding bounds of this module.
pub fn fingerprint(bytes: &[u8]) -> Result<Fingerprint, PhotoError> {
    if bytes.len() > MAX_BYTES {
        return Err(PhotoError::TooManyBytes {
            bytes: bytes.len(),
            limit: MAX_BYTES,
        });
    }
    let reader = || -> Result<ImageReader<Cursor<&[u8]>>, PhotoError> {
        let r = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| PhotoError::Decode(e.to_string()))?;
        if r.format().is_none() {
            return Err(PhotoError::Format);
        }
        Ok(r)
    };
    let (width, height) = reader()?
        .into_dimensions()
        .map_err(|e| PhotoError::Decode(e.to_string()))?;
    let too_large = PhotoError::TooLarge {
        width,
        height,
        limit: MAX_PIXELS,
    };
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(too_large);
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    let mut r = reader()?;
    r.limits(limits);
    let img = r.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => too_large,
        e => PhotoError::Decode(e.to_string()),
    })?;
    Ok(fingerprint_of(&img))
}

/// The fingerprint of a decoded picture.
pub fn fingerprint_of(img: &image::DynamicImage) -> Fingerprint {
    let work = img
        .resize_exact(WORK_W, WORK_H, FilterType::Triangle)
        .to_rgb8();
    let mut sum = [0u64; 3];
    for p in work.pixels() {
        for (s, v) in sum.iter_mut().zip(p.0) {
            *s += u64::from(v);
        }
    }
    let n = u64::from(WORK_W * WORK_H);
    let color = MeanColor(sum.map(|s| (s / n) as u8));
    let gray = median3(&image::DynamicImage::ImageRgb8(work).to_luma8());
    Fingerprint {
        dhash: dhash_of_gray(&gray),
        color,
    }
}

/// 3×3 median filter (edges clamped): removes isolated specks.
fn median3(g: &GrayImage) -> GrayImage {
    let (w, h) = g.dimensions();
    GrayImage::from_fn(w, h, |x, y| {
        let mut v = [0u8; 9];
        let mut i = 0;
        for dy in 0..3u32 {
            for dx in 0..3u32 {
                let xx = (x + dx).saturating_sub(1).min(w - 1);
                let yy = (y + dy).saturating_sub(1).min(h - 1);
                v[i] = g.get_pixel(xx, yy).0[0];
                i += 1;
            }
        }
        v.sort_unstable();
        Luma([v[4]])
    })
}

/// The dHash of a grayscale picture: 9×8 reduction, one bit per horizontal neighbour pair.
fn dhash_of_gray(gray: &GrayImage) -> Dhash {
    let small = image::imageops::resize(gray, 9, 8, FilterType::Triangle);
    let mut bits = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            let left = small.get_pixel(x, y).0[0];
            let right = small.get_pixel(x + 1, y).0[0];
            bits = (bits << 1) | u64::from(left < right);
        }
    }
    Dhash(bits)
}

#[cfg(test)]
#[path = "photo_tests.rs"]
mod tests;
