//! One operation sent and its rows written: which builder, which rows of its answer.

use cake_client::{paginate::ListRequest, query::Operation, CallOptions, RowStream};
use futures::TryStreamExt;

use crate::{
    cli::{GlobalArgs, Invocation, Request},
    connect::{connect, refuse_silent_demo_write},
    failure::{write_failure, Failure},
    output::{self, Format, Row, RowWriter},
    progress,
    serve::serve,
};

/// Runs what the command line asks for: serving, or one operation with its rows written.
pub(crate) async fn run(global: GlobalArgs, request: Request) -> Result<(), Failure> {
    let inv = match request {
        Request::Serve(args) => return serve(&args, global.api_key.as_deref()).await,
        Request::Export(args, format_given) => {
            return crate::export::run(&global, args, format_given).await
        }
        Request::Operation(invocation) => invocation,
    };
    if global.format == Format::Parquet {
        return Err(Failure::usage(
            "--format parquet is for `cake export`",
            "give --format table, csv, json or ndjson",
        ));
    }
    refuse_silent_demo_write(&global, inv.command.spec())?;
    // Keep the embedded simulator alive for the whole command.
    let (client, _embedded) = connect(&global).await?;
    let out = std::io::stdout().lock();
    let ctx = Output {
        format: global.format,
        all: global.all,
    };
    let inv = &inv;
    // One arm per operation: which builder. Exhaustive: an operation added to the spec does not
    // compile here until its output is decided. A list operation's rows are where its paging
    // glue (generated from `x-cake-paging`) finds them; only what truly differs is apart.
    match inv.command {
        Operation::GetOfferReport => {
            let r = inv.apply(client.get_offer_report(), |r, n, v| r.set_param(n, v))?;
            if ctx.all {
                ctx.list(out, inv, r).await
            } else {
                // One page: the report's totals are its last line.
                let data = r.execute().await?.response.data;
                let footer = output::offer_totals_cells(&data.totals);
                ctx.write_rows(out, data.offers, Some(footer))
            }
        }
        Operation::GetAffiliateReport => {
            let r = inv.apply(client.get_affiliate_report(), |r, n, v| r.set_param(n, v))?;
            ctx.list(out, inv, r).await
        }
        Operation::GetAdvertiserReport => {
            let r = inv.apply(client.get_advertiser_report(), |r, n, v| r.set_param(n, v))?;
            ctx.list(out, inv, r).await
        }
        Operation::GetClick => {
            let r = inv.apply(client.get_click(), |r, n, v| r.set_param(n, v))?;
            ctx.list(out, inv, r).await
        }
        Operation::GetConversions => {
            let r = inv.apply(client.get_conversions(), |r, n, v| r.set_param(n, v))?;
            ctx.list(out, inv, r).await
        }
        Operation::RecordConversion => {
            let r = inv.apply(client.record_conversion(), |r, n, v| r.set_param(n, v))?;
            // Sent once: the SDK retries it only when the idempotency key makes a repeat safe.
            let conversion = r.execute().await?.conversion;
            ctx.write_rows(out, vec![conversion], None)
        }
    }
}

/// Tells people on stderr that a page holds fewer rows than match.
pub(crate) fn note_more(shown: u64, total: u64) {
    if shown < total {
        eprintln!("cake: {shown} of {total} rows shown; use --all for every page");
    }
}

pub(crate) struct Output {
    pub(crate) format: Format,
    pub(crate) all: bool,
}

impl Output {
    /// A list operation: with `--all`, every page as a stream; else the one page asked for,
    /// saying on stderr when more rows match than it holds.
    pub(crate) async fn list<Q>(
        &self,
        out: impl std::io::Write,
        inv: &Invocation,
        request: Q,
    ) -> Result<(), Failure>
    where
        Q: ListRequest,
        Q::Row: Row,
    {
        if self.all {
            let rows = RowStream::new(request, inv.page_options());
            return self.write_stream(out, rows).await;
        }
        let page = Q::page(cake_client::call::execute(request, CallOptions::default()).await?);
        if let Some(total) = page.total_rows {
            note_more(page.rows.len() as u64, total);
        }
        self.write_rows(out, page.rows, None)
    }

    pub(crate) fn write_rows<R: Row>(
        &self,
        out: impl std::io::Write,
        rows: Vec<R>,
        footer: Option<Vec<output::Cell>>,
    ) -> Result<(), Failure> {
        let mut writer = RowWriter::new(out, self.format);
        for row in rows {
            writer.push(row).map_err(write_failure)?;
        }
        writer.finish(footer).map_err(write_failure)
    }

    /// Writes every row of a stream, with a progress display on stderr when it is a terminal
    /// (a bar when the stream knows its total, a spinner otherwise).
    pub(crate) async fn write_stream<'a, R: Row + Send + 'a>(
        &self,
        out: impl std::io::Write,
        mut rows: cake_client::RowStream<'a, R>,
    ) -> Result<(), Failure> {
        let mut progress = progress::Progress::on_stderr();
        let mut writer = RowWriter::new(out, self.format);
        while let Some(row) = rows.try_next().await? {
            writer.push(row).map_err(write_failure)?;
            if let Some(p) = progress.as_mut() {
                p.row(rows.total_rows());
            }
        }
        if let Some(p) = progress.as_mut() {
            p.finish();
        }
        writer.finish(None).map_err(write_failure)
    }
}
