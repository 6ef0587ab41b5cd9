//! The words people type: each operation's subcommand (`report offers`, `record-conversion`)
//! and each parameter's flag (`--start-date`). A naming choice made once here, which the
//! command line, the hints and the help all read.

use cake_client::query::Operation;

/// The subcommands that send one operation each: a naming choice (the words people type for an
/// operation). Their flags come from the operation's parameters in the spec.
#[derive(Clone, Copy)]
pub(crate) struct OperationCommand {
    /// The subcommand's words, e.g. `["report", "offers"]`.
    pub(crate) words: &'static [&'static str],
    /// The operation it sends.
    pub(crate) operation: Operation,
    /// What it gives, after the spec's summary in `--help`.
    pub(crate) about: &'static str,
}

/// An operation's subcommand. Exhaustive: an operation added to the spec does not build here
/// until someone names its command.
pub(crate) fn command_of(operation: Operation) -> OperationCommand {
    let (words, about): (&'static [&'static str], &'static str) = match operation {
        Operation::GetOfferReport => (&["report", "offers"], "figures per offer."),
        Operation::GetAffiliateReport => (&["report", "affiliates"], "figures per affiliate."),
        Operation::GetAdvertiserReport => (&["report", "advertisers"], "figures per advertiser."),
        Operation::GetClick => (&["clicks"], "click records, or one click by id."),
        Operation::GetConversions => (&["conversions"], "conversion records for a date range."),
        Operation::RecordConversion => (
            &["record-conversion"],
            "records a conversion against a click.",
        ),
    };
    OperationCommand {
        words,
        operation,
        about,
    }
}

/// Every operation's subcommand, in the spec's order.
pub(crate) fn operation_commands() -> impl Iterator<Item = OperationCommand> {
    Operation::ALL.iter().map(|&op| command_of(op))
}

/// The group commands above the operations' subcommands.
pub(crate) const GROUPS: &[(&str, &str)] =
    &[("report", "The Offer, Affiliate and Advertiser Reports.")];

/// The flag a parameter is given with.
pub(crate) fn flag(parameter: &str) -> String {
    format!("--{}", parameter.replace('_', "-"))
}
