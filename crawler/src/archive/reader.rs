//! Reading a `.warc.gz` member by member, with the byte offset and length of each gzip member,
//! so captures can be cited and re-read by offset.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
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

/// Iterates the records of one `.warc.gz` file. A member that does not decode ends the iteration
/// with [`ArchiveError::Truncated`] (at end of file) or [`ArchiveError::Corrupt`].
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
        if let Err(e) = result {
            self.done = true;
            let eof = self.at_eof().unwrap_or(true);
            return Some(Err(if eof {
                ArchiveError::Truncated {
                    file: self.path.clone(),
                    offset,
                }
            } else {
                ArchiveError::Corrupt {
                    file: self.path.clone(),
                    offset,
                    message: e.to_string(),
                }
            }));
        }
        let length = self.reader.pos - offset;
        match parse(&data) {
            Ok(record) => Some(Ok(Located {
                offset,
                length,
                record,
            })),
            Err(message) => {
                self.done = true;
                Some(Err(ArchiveError::Corrupt {
                    file: self.path.clone(),
                    offset,
                    message,
                }))
            }
        }
    }
}
