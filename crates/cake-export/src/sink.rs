//! One day's partition of one stream, written where no reader looks and moved into place whole:
//! `DIR/_staging/STREAM/date=DAY.part-00000.EXT` is written and synced, then renamed over
//! `DIR/STREAM/date=DAY/part-00000.EXT`, so a reader sees the old file or the new one, never a
//! half; a run killed before the rename leaves only the staging file, which the next run
//! overwrites. Every day exported has exactly that one file (with no rows when the day had
//! none), so a day re-exported replaces its partition whole. Readers skip `_staging` (Spark and
//! Hive skip names starting with `_`; a glob of `DIR/STREAM/**` never reaches it).
//!
//! Parquet is zstd-compressed, a row group per [`ROW_GROUP`] rows (the memory held), with the
//! spec's version, the stream, the operation and the schema in the file's key-value metadata.

use std::{
    fs::File,
    io::{BufWriter, Write},
    path::{Path, PathBuf},
};

use cake_client::columns::{ColumnValue, Columns};
use chrono::NaiveDate;
use parquet::{
    arrow::ArrowWriter,
    basic::{Compression, ZstdLevel},
    file::{metadata::KeyValue, properties::WriterProperties},
};
use serde::Serialize;

use crate::{batch::RowBuffer, schema::RowSchema, Error};

/// Rows per Parquet row group: what a day's writer holds before writing them out.
pub const ROW_GROUP: usize = 65_536;

/// The files' format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet, typed from the spec.
    Parquet,
    /// One JSON object per line, as the API's rows (money as exact JSON numbers).
    Ndjson,
    /// Comma-separated, a header line of the columns.
    Csv,
}

impl Format {
    /// The files' extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
        }
    }
}

/// `DIR/STREAM/date=DAY/part-00000.EXT`.
pub fn partition_file(out: &Path, stream: &str, day: NaiveDate, format: Format) -> PathBuf {
    out.join(stream)
        .join(format!("date={day}"))
        .join(format!("part-00000.{}", format.extension()))
}

/// Where a day is written before it is moved into place (one directory per stream).
fn staging_file(out: &Path, stream: &str, day: NaiveDate, format: Format) -> PathBuf {
    out.join("_staging")
        .join(stream)
        .join(format!("date={day}.part-00000.{}", format.extension()))
}

enum Inner {
    Parquet(Box<ArrowWriter<File>>),
    Text(BufWriter<File>),
}

/// One day's file being written.
pub struct DayWriter {
    format: Format,
    staging: PathBuf,
    target: PathBuf,
    inner: Inner,
    buffer: RowBuffer,
    rows: u64,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::new(format!("{}: {e}", path.display()))
}

impl DayWriter {
    /// Starts `day`'s file of `stream` under `out`.
    pub fn create(
        out: &Path,
        stream: &str,
        day: NaiveDate,
        schema: &RowSchema,
        format: Format,
    ) -> Result<DayWriter, Error> {
        let staging = staging_file(out, stream, day, format);
        if let Some(dir) = staging.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let file = File::create(&staging).map_err(io(&staging))?;
        let inner = match format {
            Format::Parquet => {
                let metadata = vec![
                    KeyValue::new("cake.stream".into(), stream.to_string()),
                    KeyValue::new("cake.operation".into(), schema.operation.clone()),
                    KeyValue::new("cake.spec_version".into(), schema.spec_version.clone()),
                    KeyValue::new("cake.schema".into(), schema.to_json()),
                ];
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::default()))
                    .set_max_row_group_size(ROW_GROUP)
                    .set_key_value_metadata(Some(metadata))
                    .build();
                Inner::Parquet(Box::new(
                    ArrowWriter::try_new(file, schema.arrow(), Some(props))
                        .map_err(|e| Error::new(format!("{}: {e}", staging.display())))?,
                ))
            }
            Format::Ndjson => Inner::Text(BufWriter::new(file)),
            Format::Csv => {
                let mut w = BufWriter::new(file);
                let header: Vec<String> =
                    schema.columns.iter().map(|c| csv_field(&c.name)).collect();
                writeln!(w, "{}", header.join(",")).map_err(io(&staging))?;
                Inner::Text(w)
            }
        };
        Ok(DayWriter {
            format,
            target: partition_file(out, stream, day, format),
            staging,
            inner,
            buffer: RowBuffer::new(schema),
            rows: 0,
        })
    }

    /// Adds a row.
    pub fn push<R: Columns + Serialize>(&mut self, row: &R) -> Result<(), Error> {
        match (&mut self.inner, self.format) {
            (Inner::Parquet(w), _) => {
                self.buffer.push(&row.column_values())?;
                if self.buffer.len() >= ROW_GROUP {
                    let batch = self.buffer.finish()?;
                    w.write(&batch)
                        .map_err(|e| Error::new(format!("{}: {e}", self.staging.display())))?;
                }
            }
            (Inner::Text(w), Format::Csv) => {
                let cells: Vec<String> = row.column_values().iter().map(csv_value).collect();
                writeln!(w, "{}", cells.join(",")).map_err(io(&self.staging))?;
            }
            (Inner::Text(w), _) => {
                serde_json::to_writer(&mut *w, row)
                    .map_err(|e| Error::new(format!("{}: {e}", self.staging.display())))?;
                w.write_all(b"\n").map_err(io(&self.staging))?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Writes what is left, syncs the file and moves it into place; the rows written.
    pub fn finish(mut self) -> Result<u64, Error> {
        let file = match self.inner {
            Inner::Parquet(mut w) => {
                if !self.buffer.is_empty() {
                    let batch = self.buffer.finish()?;
                    w.write(&batch)
                        .map_err(|e| Error::new(format!("{}: {e}", self.staging.display())))?;
                }
                w.into_inner()
                    .map_err(|e| Error::new(format!("{}: {e}", self.staging.display())))?
            }
            Inner::Text(w) => w
                .into_inner()
                .map_err(|e| Error::new(format!("{}: {e}", self.staging.display())))?,
        };
        file.sync_all().map_err(io(&self.staging))?;
        drop(file);
        if let Some(dir) = self.target.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        // The rename reaches the disk when the partition's directory is synced
        // ([`sync_dir`]), which the export does before its state says the day is done.
        std::fs::rename(&self.staging, &self.target).map_err(io(&self.target))?;
        Ok(self.rows)
    }
}

/// Syncs a directory, so that the entries made in it (a file renamed in, a directory created)
/// are on disk. A directory opened read-only can be synced on Unix; elsewhere this does nothing.
pub fn sync_dir(dir: &Path) -> Result<(), Error> {
    match File::open(dir) {
        Ok(d) => d.sync_all().or_else(|e| {
            // Some platforms refuse to sync a directory: nothing more can be done there.
            if e.kind() == std::io::ErrorKind::InvalidInput {
                Ok(())
            } else {
                Err(Error::new(format!("{}: {e}", dir.display())))
            }
        }),
        Err(e) => Err(Error::new(format!("{}: {e}", dir.display()))),
    }
}

/// Writes `bytes` to `path` whole or not at all: to a temporary name beside it, synced, renamed
/// over it, and its directory synced.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    match path.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

/// A CSV field, quoted only when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A value as CSV text: money with its exact digits, a missing value empty.
fn csv_value(v: &ColumnValue<'_>) -> String {
    match v {
        ColumnValue::Integer(n) => n.to_string(),
        ColumnValue::Money(d) => d.to_string(),
        ColumnValue::Number(f) => f.to_string(),
        ColumnValue::Text(t) => csv_field(t),
        ColumnValue::Bool(b) => b.to_string(),
        ColumnValue::Missing => String::new(),
        other => csv_field(&format!("{other:?}")),
    }
}
