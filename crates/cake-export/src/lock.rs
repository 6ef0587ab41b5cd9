//! Locks that keep runs sharing an output directory apart: one run of a stream at a time
//! ([`run`], held for the run), and each change of the state file read and written whole
//! under the directory's lock ([`directory`]), so that runs of different streams keep each
//! other's progress. The locks are the operating system's advisory locks (`flock`) on the
//! directories themselves, so they go with the process however it ends and leave no file
//! behind. Elsewhere (Linux, macOS and FreeBSD have them), and on a filesystem that refuses them
//! as unsupported, they do nothing.

use std::{fs::File, path::Path};

use crate::Error;

/// A lock, held until dropped.
#[derive(Debug)]
pub struct Held {
    _dir: Option<File>,
}

/// Takes the lock of a stream's directory for a run, or fails at once when another run holds
/// it.
pub fn run(stream_dir: &Path, stream: &str) -> Result<Held, Error> {
    let Some(dir) = open(stream_dir)? else {
        return Ok(Held { _dir: None });
    };
    if !imp::try_lock(&dir).map_err(|e| failed(stream_dir, e))? {
        return Err(Error::new(format!(
            "another export of {stream} into {} is running: wait for it to end, or export into another directory",
            stream_dir.parent().unwrap_or(stream_dir).display()
        )));
    }
    Ok(Held { _dir: Some(dir) })
}

/// Takes the lock of the output directory, waiting for it (each holder holds it only to read
/// and write the state file).
pub fn directory(out: &Path) -> Result<Held, Error> {
    let Some(dir) = open(out)? else {
        return Ok(Held { _dir: None });
    };
    imp::lock(&dir).map_err(|e| failed(out, e))?;
    Ok(Held { _dir: Some(dir) })
}

/// The directory opened to be locked; `None` where there are no locks.
fn open(dir: &Path) -> Result<Option<File>, Error> {
    if !imp::LOCKS {
        return Ok(None);
    }
    File::open(dir)
        .map(Some)
        .map_err(|e| Error::new(format!("{}: {e}", dir.display())))
}

fn failed(dir: &Path, e: std::io::Error) -> Error {
    Error::new(format!("{}: locking it: {e}", dir.display()))
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
mod imp {
    use std::fs::File;

    use rustix::fs::{flock, FlockOperation};

    pub const LOCKS: bool = true;

    /// Whether the lock was taken; `false` when another holds it.
    pub fn try_lock(dir: &File) -> std::io::Result<bool> {
        match flock(dir, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(true),
            Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
            Err(e) if unsupported(e) => Ok(true),
            Err(e) => Err(e.into()),
        }
    }

    pub fn lock(dir: &File) -> std::io::Result<()> {
        match flock(dir, FlockOperation::LockExclusive) {
            Err(e) if !unsupported(e) => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// A filesystem that has no locks (an NFS mount without its lock service, some FUSE ones):
    /// there the export runs unlocked, as on a platform without `flock`, rather than not at all.
    fn unsupported(e: rustix::io::Errno) -> bool {
        use rustix::io::Errno;
        [Errno::NOLCK, Errno::OPNOTSUPP, Errno::NOSYS].contains(&e)
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "freebsd")))]
mod imp {
    use std::fs::File;

    pub const LOCKS: bool = false;

    pub fn try_lock(_dir: &File) -> std::io::Result<bool> {
        Ok(true)
    }

    pub fn lock(_dir: &File) -> std::io::Result<()> {
        Ok(())
    }
}
