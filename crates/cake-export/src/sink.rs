//! One day's partition of one stream, written where no reader looks and moved into place whole:
//! `DIR/_staging/STREAM/date=DAY.part-00000.EXT` is written, then made durable and renamed over
//! `DIR/STREAM/date=DAY/part-00000.EXT` with the other days of its group ([`commit`]), so a
//! reader sees the old file or the new one, never a half; a run killed before the rename leaves
//! only the staging file, which the next run clears. Every day exported has exactly that one file (with no rows when the day had
//! none), so a day re-exported replaces its partition whole. Readers skip `_staging` (Spark and
//! Hive skip names starting with `_`; a glob of `DIR/STREAM/**` never reaches it).
//!
//! Parquet is zstd-compressed, a row group per [`ROW_GROUP`] rows (the memory held), with the
//! spec's version, the stream, the operation and the schema in the file's key-value metadata.

use std::{
    fs::File,
    io::{BufWriter, Write},
    path::{Path, PathBuf},
    sync::Arc,
};

use arrow_schema::Schema;

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

/// Where a stream's days are written before they are moved into place.
pub fn staging_dir(out: &Path, stream: &str) -> PathBuf {
    out.join("_staging").join(stream)
}

enum Inner {
    Parquet(Box<ArrowWriter<File>>),
    Text(BufWriter<File>),
}

/// One stream's partitions under an output directory, and what every day's file of a run
/// shares (the Parquet properties with their metadata, the Arrow schema, the CSV header), made
/// once: a day then costs its file, not its set-up.
pub struct Partitions {
    out: PathBuf,
    stream: String,
    format: Format,
    schema: RowSchema,
    arrow: Arc<Schema>,
    parquet: WriterProperties,
    header: String,
}

impl Partitions {
    /// The partitions of `stream` under `out`, with the run's staging directory made.
    pub fn new(
        out: &Path,
        stream: &str,
        schema: &RowSchema,
        format: Format,
    ) -> Result<Partitions, Error> {
        let staging = staging_dir(out, stream);
        std::fs::create_dir_all(&staging).map_err(io(&staging))?;
        let metadata = vec![
            KeyValue::new("cake.stream".into(), stream.to_string()),
            KeyValue::new("cake.operation".into(), schema.operation.clone()),
            KeyValue::new("cake.spec_version".into(), schema.spec_version.clone()),
            KeyValue::new("cake.schema".into(), schema.to_json()),
        ];
        let header: Vec<String> = schema.columns.iter().map(|c| csv_field(&c.name)).collect();
        Ok(Partitions {
            out: out.to_path_buf(),
            stream: stream.to_string(),
            format,
            schema: schema.clone(),
            arrow: schema.arrow(),
            parquet: WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_max_row_group_size(ROW_GROUP)
                .set_key_value_metadata(Some(metadata))
                .build(),
            header: header.join(","),
        })
    }

    /// Starts `day`'s file.
    pub fn day(&self, day: NaiveDate) -> Result<DayWriter, Error> {
        let staging = staging_dir(&self.out, &self.stream)
            .join(format!("date={day}.part-00000.{}", self.format.extension()));
        let file = File::create(&staging).map_err(io(&staging))?;
        let inner = match self.format {
            Format::Parquet => Inner::Parquet(Box::new(
                ArrowWriter::try_new(file, self.arrow.clone(), Some(self.parquet.clone()))
                    .map_err(|e| Error::new(format!("{}: {e}", staging.display())))?,
            )),
            Format::Ndjson => Inner::Text(BufWriter::new(file)),
            Format::Csv => {
                let mut w = BufWriter::new(file);
                writeln!(w, "{}", self.header).map_err(io(&staging))?;
                Inner::Text(w)
            }
        };
        Ok(DayWriter {
            format: self.format,
            target: partition_file(&self.out, &self.stream, day, self.format),
            staging,
            inner,
            buffer: RowBuffer::new(&self.schema),
            rows: 0,
        })
    }
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

    /// Writes what is left and closes the file, still in staging: [`commit`] makes it durable
    /// and moves it into place.
    pub fn finish(mut self) -> Result<Staged, Error> {
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
        drop(file);
        Ok(Staged {
            staging: self.staging,
            target: self.target,
            rows: self.rows,
        })
    }
}

/// A day's file written whole in staging, not yet in place.
#[derive(Debug)]
pub struct Staged {
    staging: PathBuf,
    target: PathBuf,
    /// Its rows.
    pub rows: u64,
}

impl Staged {
    /// Where [`commit`] puts it.
    pub fn target(&self) -> &Path {
        &self.target
    }
}

/// How [`commit`] makes a group of days durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// One `syncfs` of the output's filesystem for the group's files, and one for their
    /// directories' entries, whatever the number of days: two flushes of the disk per group.
    /// It also writes out what other programs have pending on that filesystem, so a commit
    /// waits for them too. Linux only; elsewhere this is [`Durability::EachFile`].
    #[default]
    Filesystem,
    /// Each file, then each partition's directory and the stream's, synced on its own (eight at
    /// a time): only this run's writes, at a flush of the disk for each.
    EachFile,
}

/// Moves days written in staging into place, durably, as one group: their files are made
/// durable, then renamed over their partitions (a reader sees the old file or the new one), then
/// the renames are made durable ([`Durability`] says how). When it returns, every file of
/// `staged` is on disk under its partition, so a state that claims those days is true even after
/// a power cut; a run killed before leaves them in staging, which the next run clears.
pub fn commit(stream_dir: &Path, staged: &[Staged], durability: Durability) -> Result<(), Error> {
    let Some(first) = staged.first() else {
        return Ok(());
    };
    let files: Vec<&Path> = staged.iter().map(|s| s.staging.as_path()).collect();
    durable::barrier(durability, &first.staging, &files, |f| {
        File::open(f).and_then(|f| f.sync_all()).map_err(io(f))
    })?;
    for s in staged {
        if let Some(dir) = s.target.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::rename(&s.staging, &s.target).map_err(io(&s.target))?;
    }
    let mut dirs: Vec<&Path> = staged.iter().filter_map(|s| s.target.parent()).collect();
    dirs.push(stream_dir);
    durable::barrier(durability, stream_dir, &dirs, sync_dir)
}

/// The barriers of [`commit`].
mod durable {
    use std::path::Path;

    use super::{Durability, Error};

    /// Every path of `paths`, all on the filesystem of `on`, synced with `sync` (or the whole
    /// filesystem at once).
    #[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
    pub fn barrier(
        durability: Durability,
        on: &Path,
        paths: &[&Path],
        sync: impl Fn(&Path) -> Result<(), Error> + Sync,
    ) -> Result<(), Error> {
        match durability {
            #[cfg(target_os = "linux")]
            Durability::Filesystem => syncfs(on),
            _ => each(paths, sync),
        }
    }

    /// `sync` on every path, eight threads at a time (concurrent syncs share the disk's
    /// flushes).
    fn each(
        paths: &[&Path],
        sync: impl Fn(&Path) -> Result<(), Error> + Sync,
    ) -> Result<(), Error> {
        let chunk = paths.len().div_ceil(8).max(1);
        std::thread::scope(|s| {
            let lanes: Vec<_> = paths
                .chunks(chunk)
                .map(|c| s.spawn(|| c.iter().try_for_each(|p| sync(p))))
                .collect();
            lanes.into_iter().try_for_each(|lane| {
                lane.join()
                    .unwrap_or_else(|_| Err(Error::new("a thread syncing the files panicked")))
            })
        })
    }

    #[cfg(target_os = "linux")]
    fn syncfs(on: &Path) -> Result<(), Error> {
        let fd =
            std::fs::File::open(on).map_err(|e| Error::new(format!("{}: {e}", on.display())))?;
        rustix::fs::syncfs(&fd).map_err(|e| {
            Error::new(format!(
                "{}: syncing its filesystem: {}",
                on.display(),
                std::io::Error::from(e)
            ))
        })
    }
}

/// Syncs a directory, so that the entries made in it (a file renamed in, a directory created)
/// are on disk. A directory opened read-only can be synced on Unix; elsewhere this does nothing.
pub fn sync_dir(dir: &Path) -> Result<(), Error> {
    if cfg!(not(unix)) {
        return Ok(());
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnType};

    fn schema() -> RowSchema {
        RowSchema {
            operation: "op".into(),
            spec_version: "1".into(),
            columns: vec![Column {
                name: "id".into(),
                ty: ColumnType::Int32,
                nullable: false,
                enum_values: Vec::new(),
            }],
        }
    }

    #[test]
    fn a_day_written_is_out_of_sight_until_its_group_is_committed_then_in_place_whole() {
        for (durability, name) in [
            (Durability::Filesystem, "commit-fs"),
            (Durability::EachFile, "commit-each"),
        ] {
            let out =
                std::env::temp_dir().join(format!("cake-export-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&out);
            let days = ["2026-01-01", "2026-01-02", "2026-01-03"].map(|d| d.parse().unwrap());
            for format in [Format::Parquet, Format::Csv] {
                let partitions = Partitions::new(&out, "s", &schema(), format).unwrap();
                let staged: Vec<Staged> = days
                    .iter()
                    .map(|d| partitions.day(*d).unwrap().finish().unwrap())
                    .collect();
                for (s, d) in staged.iter().zip(days) {
                    assert_eq!(s.target(), partition_file(&out, "s", d, format));
                    assert!(
                        !s.target().exists(),
                        "{durability:?}: in place before its commit"
                    );
                    assert!(s.staging.exists());
                }
                commit(&out.join("s"), &staged, durability).unwrap();
                for s in &staged {
                    assert!(
                        s.target().is_file(),
                        "{durability:?}: {:?} not in place",
                        s.target
                    );
                    assert!(!s.staging.exists(), "{durability:?}: left in staging");
                }
                if format == Format::Csv {
                    let text = std::fs::read_to_string(staged[0].target()).unwrap();
                    assert_eq!(text, "id\n", "an empty day is its header");
                }
                commit(&out.join("s"), &[], durability).unwrap();
            }
            let _ = std::fs::remove_dir_all(&out);
        }
    }
}
