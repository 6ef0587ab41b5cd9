//! The Record Conversion sequence, sent only with writes allowed: a click the target holds is
//! found (Get Click), converted with a `unique_id` (the conversion names that click, offer and
//! id), converted again with the same `unique_id` (the same conversion comes back: nothing is
//! recorded twice), and listed by Get Conversions on its day; then a click that does not exist
//! gets 404 and the click under another offer 409, each naming the parameter at fault.
//!
//! The operations are the typed SDK's (`OPERATION_ID`, the parameter constants), so a rename in
//! the spec fails to compile here rather than sending something else.

use std::collections::BTreeMap;

use cake_client::{
    query::{GetClickQuery, GetConversionsQuery, RecordConversionQuery},
    types,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::{
    harness::response_problems_with,
    ops::{Operation, ParamKind},
    refusal::blame_problems,
};

use super::{
    case::{placeholder, typed, Finding},
    Context,
};

/// A success, blaming no one.
const OK: (u16, &[&str]) = (200, &[]);

/// A click the sequence converts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Click {
    /// Its id.
    pub click_id: String,
    /// Its offer.
    pub offer_id: u32,
}

/// One step: `params` sent as `op` through the SDK, its answer held to the spec and expected to
/// be `status` (a refusal naming one of `blamable`); the decoded success when there is one.
fn step<T: DeserializeOwned>(
    ctx: &Context,
    f: &mut Finding,
    op: &Operation,
    params: &[(&str, String)],
    (status, blamable): (u16, &[&str]),
) -> Result<Option<T>, String> {
    let texts: BTreeMap<String, String> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let x = ctx
        .h
        .exchange(&ctx.target, op, &typed(op, &texts)?, placeholder())
        .map_err(|e| e.to_string())?;
    f.keep_sdk(ctx, op, &x);
    let Some(answer) = &x.answer else {
        f.problems.push(format!("{}: nothing was sent", op.id));
        return Ok(None);
    };
    if answer.status != status {
        f.problems.push(format!(
            "{}: expected {status}, got {}",
            op.id, answer.status
        ));
    }
    let problems =
        response_problems_with(&ctx.h.spec, op, answer, &x.dispatched, ctx.strict_fields);
    f.problems
        .extend(problems.into_iter().map(|p| format!("{}: {p}", op.id)));
    if (400..500).contains(&status) && answer.status == status {
        let problems = blame_problems(&ctx.h.spec, op, answer, blamable, "the sequence's own");
        f.problems
            .extend(problems.into_iter().map(|p| format!("{}: {p}", op.id)));
    }
    Ok(match &x.dispatched.result {
        Ok(v) if answer.status == status => serde_json::from_value(v.clone()).ok(),
        _ => None,
    })
}

/// The largest `row_limit` `op` takes (its schema's maximum).
fn max_rows(op: &Operation, name: &str) -> String {
    match op.param(name).map(|p| &p.kind) {
        Some(ParamKind::Integer { max, .. }) => max.to_string(),
        _ => "1".into(),
    }
}

/// Runs the sequence into `f`: on `click` when given, else on the first click Get Click lists.
pub(super) fn run(
    ctx: &Context,
    unique_id: &str,
    click: Option<Click>,
    f: &mut Finding,
) -> Result<(), String> {
    let spec = &ctx.h.spec;
    let op = |id: &str| {
        spec.operation(id)
            .ok_or_else(|| format!("the spec has no operation {id}"))
    };
    let (get_click, record, list) = (
        op(GetClickQuery::OPERATION_ID)?,
        op(RecordConversionQuery::OPERATION_ID)?,
        op(GetConversionsQuery::OPERATION_ID)?,
    );

    let find = match &click {
        Some(c) => vec![(GetClickQuery::CLICK_ID, c.click_id.clone())],
        None => vec![(GetClickQuery::ROW_LIMIT, "1".to_string())],
    };
    let Some(page) = step::<types::GetClickResponse>(ctx, f, get_click, &find, OK)? else {
        return Ok(());
    };
    let Some(found) = page.response.clicks.first() else {
        match &click {
            Some(c) => f.problems.push(format!(
                "{}: click {} is not found any more",
                get_click.id, c.click_id
            )),
            None => f.not_run = Some("the target lists no click: nothing to convert".into()),
        }
        return Ok(());
    };
    let click = Click {
        click_id: found.click_id.clone(),
        offer_id: found.offer_id,
    };

    type R = RecordConversionQuery;
    let convert = vec![
        (R::CLICK_ID, click.click_id.clone()),
        (R::OFFER_ID, click.offer_id.to_string()),
        (R::UNIQUE_ID, unique_id.to_string()),
    ];
    let Some(first) = step::<types::RecordConversionResponse>(ctx, f, record, &convert, OK)? else {
        return Ok(());
    };
    let c = &first.conversion;
    if c.click_id != click.click_id || c.offer_id != click.offer_id {
        f.problems.push(format!(
            "{}: recorded click {} of offer {}, asked click {} of offer {}",
            record.id, c.click_id, c.offer_id, click.click_id, click.offer_id
        ));
    }
    if c.unique_id.as_deref() != Some(unique_id) {
        f.problems.push(format!(
            "{}: the conversion carries unique_id {:?}, sent {unique_id:?}",
            record.id, c.unique_id
        ));
    }
    if let Some(again) = step::<types::RecordConversionResponse>(ctx, f, record, &convert, OK)? {
        if again.conversion.conversion_id != c.conversion_id {
            f.problems.push(format!(
                "{}: the same unique_id again recorded conversion {}, not the original {}",
                record.id, again.conversion.conversion_id, c.conversion_id
            ));
        }
    }

    type L = GetConversionsQuery;
    let day = c.conversion_date.date().format("%Y-%m-%d").to_string();
    let listing = vec![
        (L::START_DATE, day.clone()),
        (L::END_DATE, day.clone()),
        (L::OFFER_ID, click.offer_id.to_string()),
        (L::AFFILIATE_ID, c.affiliate_id.to_string()),
        (L::ROW_LIMIT, max_rows(list, L::ROW_LIMIT)),
    ];
    if let Some(listed) = step::<types::GetConversionsResponse>(ctx, f, list, &listing, OK)? {
        let ids: Vec<u32> = listed
            .conversions
            .iter()
            .map(|i| i.conversion.conversion_id)
            .collect();
        if !ids.contains(&c.conversion_id) {
            let note = if (ids.len() as u64) < listed.total_rows {
                format!(" (on its first page of {})", listed.total_rows)
            } else {
                String::new()
            };
            f.problems.push(format!(
                "{}: conversion {} recorded on {day} is not listed{note}",
                list.id, c.conversion_id
            ));
        }
    }

    let nowhere = vec![
        (
            R::CLICK_ID,
            format!("cake-contract-no-such-click-{unique_id}"),
        ),
        (R::OFFER_ID, click.offer_id.to_string()),
    ];
    step::<types::RecordConversionResponse>(ctx, f, record, &nowhere, (404, &[R::CLICK_ID]))?;
    let other_offer = if click.offer_id > 1 {
        click.offer_id - 1
    } else {
        click.offer_id + 1
    };
    let elsewhere = vec![
        (R::CLICK_ID, click.click_id.clone()),
        (R::OFFER_ID, other_offer.to_string()),
    ];
    step::<types::RecordConversionResponse>(
        ctx,
        f,
        record,
        &elsewhere,
        (409, &[R::OFFER_ID, R::CLICK_ID]),
    )?;
    Ok(())
}
