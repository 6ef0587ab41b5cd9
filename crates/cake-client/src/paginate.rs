//! Auto-pagination of the five list operations (the three reports, Get Click, Get Conversions).
//!
//! CAKE pages with `start_at_row` and `row_limit`. Each operation's first row (1, or 0 on Get
//! Click) and largest page (10000, or 500 on Get Conversions) come from the spec's bounds on those
//! parameters ([`crate::spec::OperationSpec::paging`]). Paging stops at `total_rows` where the
//! response has it (Get Click, Get Conversions), at the first short page otherwise (the
//! reports), and always at a page with no rows: rows deleted between pages on a live CAKE make
//! `total_rows` promise more than there is, and asking on would only ask past the end, so the
//! stream ends there with the rows before it. A [`RowStream`] holds the page being consumed and,
//! with prefetch on, the next one being fetched: never more than two pages, however many rows
//! there are.

use std::{
    collections::VecDeque,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use futures_core::Stream;

use crate::{
    call::{CallOptions, Request},
    spec, Error,
};

type MakePage<'a, R> = Box<dyn Fn(u32, u32) -> PageFuture<'a, R> + Send + 'a>;

/// One page of a list operation.
#[derive(Debug)]
pub struct Page<R> {
    /// Its rows.
    pub rows: Vec<R>,
    /// How many rows match over every page, when the operation reports it.
    pub total_rows: Option<u64>,
}

/// A page being fetched.
pub type PageFuture<'a, R> = Pin<Box<dyn Future<Output = Result<Page<R>, Error>> + Send + 'a>>;

/// A request builder of a list operation (generated for each operation the spec marks
/// `x-cake-paging`).
pub trait ListRequest: Request + Clone {
    /// The row type.
    type Row: Send + 'static;
    /// The same request for the page at `offset` of `limit` rows (the operation's paging
    /// parameters, `start_at_row` and `row_limit` on CAKE's).
    fn with_page(self, offset: u32, limit: u32) -> Self;
    /// The page's rows and total, out of the decoded body.
    fn page(body: Self::Output) -> Page<Self::Row>;
}

/// How a [`RowStream`] pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageOptions {
    /// Rows per request; `None` means the operation's maximum (fewest round trips). Above the
    /// maximum, the first request fails with [`Error::InvalidRequest`] without being sent.
    pub page_size: Option<u32>,
    /// Fetch the next page while the caller consumes the current one (at most two pages held).
    pub prefetch: bool,
}

impl Default for PageOptions {
    fn default() -> Self {
        Self {
            page_size: None,
            prefetch: true,
        }
    }
}

/// Every row of a list operation, page after page. Create it with the builders' `stream()`.
///
/// ```no_run
/// # async fn demo(client: &cake_client::Client) -> Result<(), cake_client::Error> {
/// use futures::TryStreamExt;
/// let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// let mut rows = client.get_conversions().start_date(d("2026-06-01")).end_date(d("2026-06-19")).stream();
/// while let Some(conversion) = rows.try_next().await? {
///     println!("{} {}", conversion.conversion_id, conversion.payout);
/// }
/// # Ok(()) }
/// ```
pub struct RowStream<'a, R> {
    state: State,
    make_page: Option<MakePage<'a, R>>,
    page_size: u32,
    prefetch: bool,
    next_start: u32,
    first_row: u32,
    rows: VecDeque<R>,
    in_flight: Option<PageFuture<'a, R>>,
    prefetched: Option<Result<Page<R>, Error>>,
    done_after_current: bool,
    total_rows: Option<u64>,
}

// Nothing in a RowStream is pinned in place: the page futures are boxed, and rows are only moved.
impl<R> Unpin for RowStream<'_, R> {}

enum State {
    Failed(Option<Error>),
    Running,
    Done,
}

impl<'a, R: Send + 'a> RowStream<'a, R> {
    /// Streams the rows of `request`'s operation.
    pub fn new<Q: ListRequest<Row = R> + 'a>(request: Q, options: PageOptions) -> Self {
        Self::with_call(request, options, CallOptions::default())
    }

    /// Streams the rows of `request`'s operation, each page sent with `call`'s settings.
    pub fn with_call<Q: ListRequest<Row = R> + 'a>(
        request: Q,
        options: PageOptions,
        call: CallOptions,
    ) -> Self {
        let op = &spec::operations()[Q::OPERATION];
        let (first_row, max, limit) = match op.paging() {
            Some(p) => (p.first_row, p.max_page_size, p.limit),
            None => {
                return Self::failed(Error::invalid(
                    None,
                    format!("{} is not a list operation in the spec", op.id),
                ));
            }
        };
        let page_size = options.page_size.unwrap_or(max);
        if page_size == 0 || page_size > max {
            return Self::failed(Error::invalid(
                Some(limit),
                format!(
                    "expected a page size from 1 to {max} for {}, got {page_size}",
                    op.id
                ),
            ));
        }
        let make_page: MakePage<'a, R> = Box::new(move |start, limit| {
            let page = request.clone().with_page(start, limit);
            let call = call.clone();
            Box::pin(async move { crate::call::execute(page, call).await.map(Q::page) })
        });
        let mut stream = Self::empty(Some(make_page), page_size, options.prefetch, first_row);
        stream.start_next();
        stream
    }

    fn empty(
        make_page: Option<MakePage<'a, R>>,
        page_size: u32,
        prefetch: bool,
        first_row: u32,
    ) -> Self {
        Self {
            state: State::Running,
            make_page,
            page_size,
            prefetch,
            next_start: first_row,
            first_row,
            rows: VecDeque::new(),
            in_flight: None,
            prefetched: None,
            done_after_current: false,
            total_rows: None,
        }
    }

    fn failed(error: Error) -> Self {
        let mut s = Self::empty(None, 1, false, 0);
        s.state = State::Failed(Some(error));
        s
    }

    /// How many rows match over every page, as the server said on the latest page: known once
    /// the first page has arrived, and only for operations whose responses carry `total_rows`
    /// (Get Click, Get Conversions). For progress bars.
    pub fn total_rows(&self) -> Option<u64> {
        self.total_rows
    }

    /// Collects every row (all pages) into a `Vec`.
    pub async fn try_collect_all(mut self) -> Result<Vec<R>, Error> {
        let mut all = Vec::new();
        while let Some(row) = std::future::poll_fn(|cx| Pin::new(&mut self).poll_next(cx)).await {
            all.push(row?);
        }
        Ok(all)
    }

    /// Takes in a fetched page: its rows become current, and the next page is requested when
    /// there is one (right away with prefetch, else once these rows are consumed).
    fn accept(&mut self, page: Page<R>) {
        let got = page.rows.len() as u64;
        if page.total_rows.is_some() {
            self.total_rows = page.total_rows;
        }
        let fetched_through = u64::from(self.next_start - self.first_row);
        let more = match page.total_rows {
            Some(total) => got > 0 && fetched_through < total,
            None => got == u64::from(self.page_size),
        };
        self.rows = page.rows.into();
        self.done_after_current = !more;
        if more && self.prefetch {
            self.start_next();
        }
    }

    fn start_next(&mut self) {
        if let Some(make_page) = &self.make_page {
            self.in_flight = Some(make_page(self.next_start, self.page_size));
            self.next_start = self.next_start.saturating_add(self.page_size);
        }
    }
}

impl<'a, R: Send + 'a> Stream for RowStream<'a, R> {
    type Item = Result<R, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        // A poll does a bounded amount of work. Each turn takes in a page, asks for one or
        // returns; three turns are the most a poll needs (a page taken in, the next asked for and
        // polled, a row returned). Past the bound it yields with a wake rather than spin, so no
        // state of the stream can block its thread.
        for _ in 0..POLL_TURNS {
            match &mut this.state {
                State::Failed(e) => {
                    let e = e.take();
                    this.state = State::Done;
                    return Poll::Ready(e.map(Err));
                }
                State::Done => return Poll::Ready(None),
                State::Running => {}
            }
            // Drive the page in flight, so that a prefetch makes progress while rows are served.
            if this.prefetched.is_none() {
                if let Some(fut) = this.in_flight.as_mut() {
                    if let Poll::Ready(result) = fut.as_mut().poll(cx) {
                        this.in_flight = None;
                        this.prefetched = Some(result);
                    }
                }
            }
            if let Some(row) = this.rows.pop_front() {
                return Poll::Ready(Some(Ok(row)));
            }
            if this.done_after_current && this.in_flight.is_none() && this.prefetched.is_none() {
                this.state = State::Done;
                return Poll::Ready(None);
            }
            match this.prefetched.take() {
                Some(Ok(page)) => this.accept(page),
                Some(Err(e)) => {
                    this.state = State::Done;
                    return Poll::Ready(Some(Err(e)));
                }
                None if this.in_flight.is_none() => this.start_next(),
                None => return Poll::Pending,
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The turns of [`RowStream::poll_next`]'s loop before it yields (one more than it needs).
const POLL_TURNS: usize = 4;
