//! Reading a `.warc.gz` member by member, with the byte offset and length of each gzip member,
//! so captures can be cited and re-read by offset.

use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::ArchiveError;
use super::record::{WarcRecord, parse};

/// A `BufRead` that counts consumed bytes.
struct Counting<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let avail = self.inner.fill_buf()?;
            let n = avail.len().min(buf.len());
            buf[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.pos += amt as u64;
        self.inner.consume(amt);
    }
}

/// One record with its place in the file.
#[derive(Debug, Clone)]
pub struct Located {
    /// Offset of the gzip member.
    pub offset: u64,
    /// Length of the gzip member.
    pub length: u64,
    /// The record.
    pub record: WarcRecord,
}

/// Iterates the records of one `.warc.gz` file.
///
/// A member that does not decode or parse yields one [`ArchiveError::Corrupt`], and reading goes
/// on at the next intact member: one damaged record must not hide the captures after it (they
/// are evidence, and `index rebuild` and `archive verify` read through here). A member that ends
/// with the file while no intact member follows it is a half-written tail (a killed crawl): it
/// yields [`ArchiveError::Truncated`] and ends the iteration. The distinction matters because
/// [`repair_tail`](super::repair::repair_tail) cuts a truncated tail off, and must never cut a
/// damaged record, or the complete records after it.
pub struct MemberReader {
    path: PathBuf,
    reader: Counting<BufReader<File>>,
    done: bool,
    max_record: u64,
}

impl MemberReader {
    /// Opens a file.
    pub fn open(path: &Path) -> Result<Self, ArchiveError> {
        let file = File::open(path).map_err(|source| ArchiveError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            reader: Counting {
                inner: BufReader::with_capacity(64 * 1024, file),
                pos: 0,
            },
            done: false,
            max_record: 2 * 1024 * 1024 * 1024,
        })
    }

    /// Reads the record whose gzip member starts at `offset`.
    pub fn read_at(path: &Path, offset: u64) -> Result<Located, ArchiveError> {
        let mut r = Self::open(path)?;
        r.reader
            .inner
            .seek(SeekFrom::Start(offset))
            .map_err(|source| ArchiveError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        r.reader.pos = offset;
        r.next().unwrap_or_else(|| {
            Err(ArchiveError::Truncated {
                file: path.to_path_buf(),
                offset,
            })
        })
    }

    fn at_eof(&mut self) -> Result<bool, ArchiveError> {
        self.reader
            .fill_buf()
            .map(|b| b.is_empty())
            .map_err(|source| ArchiveError::Io {
                path: self.path.clone(),
                source,
            })
    }
}

impl Iterator for MemberReader {
    type Item = Result<Located, ArchiveError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.at_eof() {
            Ok(true) => {
                self.done = true;
                return None;
            }
            Ok(false) => {}
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        }
        let offset = self.reader.pos;
        let mut data = Vec::new();
        let result = {
            let decoder = flate2::bufread::GzDecoder::new(&mut self.reader);
            decoder.take(self.max_record).read_to_end(&mut data)
        };
        let (ends_early, message) = match result {
            Ok(_) => match parse(&data) {
                Ok(record) => {
                    let length = self.reader.pos - offset;
                    return Some(Ok(Located {
                        offset,
                        length,
                        record,
                    }));
                }
                Err(message) => (false, message),
            },
            Err(e) => (e.kind() == ErrorKind::UnexpectedEof, e.to_string()),
        };
        match self.resync(offset + 1) {
            Ok(Some(next)) => Some(Err(ArchiveError::Corrupt {
                file: self.path.clone(),
                offset,
                message,
                resumes_at: Some(next),
            })),
            Ok(None) => {
                self.done = true;
                Some(Err(if ends_early {
                    ArchiveError::Truncated {
                        file: self.path.clone(),
                        offset,
                    }
                } else {
                    ArchiveError::Corrupt {
                        file: self.path.clone(),
                        offset,
                        message,
                        resumes_at: None,
                    }
                }))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// The first bytes of every member the writer makes: the gzip magic and the deflate method.
const GZIP_MEMBER_START: [u8; 3] = [0x1f, 0x8b, 0x08];

impl MemberReader {
    /// Finds the first intact member starting at or after `from`, and moves the reader there.
    ///
    /// A candidate is a place where the gzip magic occurs; it is taken only if a whole member
    /// decodes there (its CRC checked) into a parseable WARC record, so a chance `1f 8b 08`
    /// inside compressed data is passed over. Candidates are first asked for their first bytes
    /// (`WARC/`), which random deflate data practically never produces, so a long damaged region
    /// costs one pass over its bytes, not a decode per candidate.
    fn resync(&mut self, from: u64) -> Result<Option<u64>, ArchiveError> {
        let io = |source| ArchiveError::Io {
            path: self.path.clone(),
            source,
        };
        let mut file = File::open(&self.path).map_err(io)?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut base = from;
        loop {
            file.seek(SeekFrom::Start(base)).map_err(io)?;
            let n = read_full(&mut file, &mut buf).map_err(io)?;
            let last = n < buf.len();
            // A magic starting in the last two bytes of a full window is looked at in the next.
            let limit = if last {
                n
            } else {
                n - (GZIP_MEMBER_START.len() - 1)
            };
            let window = &buf[..n];
            let mut i = 0;
            while let Some(k) = window[i..limit]
                .iter()
                .position(|&b| b == GZIP_MEMBER_START[0])
            {
                let at = i + k;
                let candidate = base + at as u64;
                if window[at..].starts_with(&GZIP_MEMBER_START)
                    && self.intact_at(candidate).map_err(io)?
                {
                    self.reader
                        .inner
                        .seek(SeekFrom::Start(candidate))
                        .map_err(io)?;
                    self.reader.pos = candidate;
                    return Ok(Some(candidate));
                }
                i = at + 1;
            }
            if last {
                return Ok(None);
            }
            base += limit as u64;
        }
    }

    /// Whether a whole member starting at `at` decodes and parses as a WARC record.
    fn intact_at(&self, at: u64) -> std::io::Result<bool> {
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(at))?;
        let mut decoder =
            flate2::bufread::GzDecoder::new(BufReader::new(file)).take(self.max_record);
        let mut data = Vec::new();
        let mut head = [0u8; 5];
        if decoder.read_exact(&mut head).is_err() || &head != b"WARC/" {
            return Ok(false);
        }
        data.extend_from_slice(&head);
        Ok(decoder.read_to_end(&mut data).is_ok() && parse(&data).is_ok())
    }
}

/// Reads until `buf` is full or the file ends; the number of bytes read.
fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
