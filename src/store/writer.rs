//! The single writer: one thread owns the only write connection and takes jobs from a channel.
//!
//! Jobs that are waiting when the writer becomes free are committed together in one transaction
//! (group commit), each inside its own savepoint so that one failing job does not undo the
//! others. A job's caller is answered only after the COMMIT that made its write durable
//! (`synchronous=FULL`), so an acknowledged write survives a crash or a `kill -9`.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};

use rusqlite::Connection;

use super::error::StoreError;

/// The most jobs committed in one transaction.
const MAX_GROUP: usize = 256;

/// A unit of work for the writer.
pub(crate) trait Job: Send {
    /// Runs the work on the write connection, inside an open transaction; returns the job's
    /// error, if any.
    fn run(&mut self, conn: &Connection, path: &Path) -> Option<StoreError>;
    /// Answers the caller once the transaction is over: `commit` is how it ended.
    fn finish(self: Box<Self>, commit: Result<(), StoreError>);
}

/// A job that runs a closure and answers its result through a channel.
pub(crate) struct Call<T, F> {
    work: Option<F>,
    result: Option<Result<T, StoreError>>,
    reply: SyncSender<Result<T, StoreError>>,
}

impl<T, F> Call<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
{
    pub(crate) fn new(work: F, reply: SyncSender<Result<T, StoreError>>) -> Call<T, F> {
        Call {
            work: Some(work),
            result: None,
            reply,
        }
    }
}

impl<T, F> Job for Call<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
{
    fn run(&mut self, conn: &Connection, path: &Path) -> Option<StoreError> {
        let work = self.work.take()?;
        let sqlite = |e| StoreError::from_sqlite(path, e);
        let result = match conn.execute_batch("SAVEPOINT job").map_err(sqlite) {
            Err(e) => Err(e),
            Ok(()) => {
                let r = work(conn);
                let end = if r.is_ok() {
                    "RELEASE job"
                } else {
                    "ROLLBACK TO job; RELEASE job"
                };
                match conn.execute_batch(end).map_err(sqlite) {
                    Ok(()) => r,
                    Err(e) => r.and(Err(e)),
                }
            }
        };
        let error = result.as_ref().err().cloned();
        self.result = Some(result);
        error
    }

    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let answer = match (self.result, commit) {
            (Some(Err(e)), _) => Err(e),
            (_, Err(e)) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (None, Ok(())) => Err(StoreError::WriterGone),
        };
        // The caller may have given up waiting; nothing to do then.
        let _ = self.reply.send(answer);
    }
}

/// The writer thread's loop: runs until every sender is dropped.
pub(crate) fn run(conn: Connection, path: PathBuf, jobs: Receiver<Box<dyn Job>>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let ended = commit_group(&conn, &path, &mut group);
        for job in group {
            job.finish(ended.clone());
        }
    }
}

fn commit_group(
    conn: &Connection,
    path: &Path,
    group: &mut [Box<dyn Job>],
) -> Result<(), StoreError> {
    let sqlite = |e| StoreError::from_sqlite(path, e);
    conn.execute_batch("BEGIN IMMEDIATE").map_err(sqlite)?;
    for job in group.iter_mut() {
        if let Some(e) = job.run(conn, path)
            && conn.is_autocommit()
        {
            // SQLite rolled the whole transaction back (disk full, I/O error): every job of
            // the group is lost, so none may be acknowledged.
            return Err(e);
        }
    }
    let committed = conn.execute_batch("COMMIT").map_err(sqlite);
    if committed.is_err()
        && !conn.is_autocommit()
        && let Err(e) = conn.execute_batch("ROLLBACK")
    {
        tracing::error!("records database {}: rollback failed: {e}", path.display());
    }
    committed
}
