//! The two ratios of a report row, computed exactly: the conversion rate (conversions per 100
//! clicks, 2 decimals) and EPC (payout per click, 3 decimals), both rounded half away from zero,
//! in integers where they fit and in `Decimal` otherwise; never through binary floating point
//! except the rate's final hand-over as the spec's `f64`.

use rust_decimal::{Decimal, RoundingStrategy};

/// conversions / clicks x 100, rounded half away from zero to 2 decimals; 0 without clicks.
/// Computed in decimal so that 312/8420 gives exactly 3.71, then handed out as the `f64` the
/// spec's `ConversionRate` is.
pub fn conversion_rate(conversions: u64, clicks: u64) -> f64 {
    if clicks == 0 {
        return 0.0;
    }
    // The rate in hundredths, rounded half up, in integers: exact for any counts.
    let hundredths =
        (u128::from(conversions) * 20_000 + u128::from(clicks)) / (2 * u128::from(clicks));
    if hundredths < 1 << 53 {
        // Exact as an f64, so the division is the correctly rounded nearest f64 to the two-decimal
        // value: the same f64 its digits parse to.
        return hundredths as f64 / 100.0;
    }
    // A rate above 90 trillion percent: let the digits say it.
    // (At most 2^64 x 10^4 hundredths: well within a Decimal's 96 bits.)
    Decimal::try_from_i128_with_scale(hundredths as i128, 2).map_or(f64::MAX, |rate| {
        rate.to_string().parse().unwrap_or(f64::MAX)
    })
}
/// payout / clicks, rounded half away from zero to 3 decimals; 0.000 without clicks.
pub fn earnings_per_click(payout: Decimal, clicks: u64) -> Decimal {
    if clicks == 0 {
        return Decimal::new(0, 3);
    }
    // In integers when they fit (a report row's payout usually does): thousandths of the
    // quotient, rounded half away from zero.
    let mantissa = payout.mantissa();
    let divisor = 10u128
        .checked_pow(payout.scale())
        .and_then(|p| p.checked_mul(u128::from(clicks)));
    if let (Some(divisor), Ok(numerator)) = (divisor, u128::try_from(mantissa)) {
        // |mantissa| < 2^96, so 2000 x mantissa cannot overflow.
        let thousandths = (numerator * 2000 + divisor) / (2 * divisor);
        if let Ok(epc) = Decimal::try_from_i128_with_scale(thousandths as i128, 3) {
            return epc;
        }
    }
    let mut epc = (payout / Decimal::from(clicks))
        .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero);
    // Always three decimals on the wire (0.700, not 0.7), as the figure is defined.
    epc.rescale(3);
    epc
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn conversion_rate_rounds_to_two_decimals_half_up() {
        assert_eq!(conversion_rate(312, 8420), 3.71);
        assert_eq!(conversion_rate(142, 3210), 4.42);
        assert_eq!(conversion_rate(1, 8), 12.5);
        // 1/200 x 100 = 0.5 exactly; 1/3 x 100 = 33.333...
        assert_eq!(conversion_rate(1, 200), 0.5);
        assert_eq!(conversion_rate(1, 3), 33.33);
        assert_eq!(conversion_rate(5, 0), 0.0);
    }

    #[test]
    fn epc_rounds_to_three_decimals_and_keeps_them() {
        assert_eq!(earnings_per_click(dec!(5616.00), 8420), dec!(0.667));
        assert_eq!(earnings_per_click(dec!(2556.00), 3210), dec!(0.796));
        assert_eq!(earnings_per_click(dec!(7.00), 10).to_string(), "0.700");
        assert_eq!(earnings_per_click(dec!(0.0005), 1).to_string(), "0.001");
        assert_eq!(earnings_per_click(dec!(1), 0).to_string(), "0.000");
        // Past the integer path (a scale-28 payout): the same rule through Decimal division.
        assert_eq!(
            earnings_per_click(dec!(1.0000000000000000000000000005), 2).to_string(),
            "0.500"
        );
        assert_eq!(earnings_per_click(dec!(0.0015), 1).to_string(), "0.002");
    }

    #[test]
    fn the_integer_paths_agree_with_decimal_arithmetic() {
        for clicks in 1..300u64 {
            for conversions in [0, 1, 2, 3, 7, 49, 50, 51, 312, 8420, 100_000] {
                let rate =
                    Decimal::from(conversions) * Decimal::ONE_HUNDRED / Decimal::from(clicks);
                let rate = rate.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                assert_eq!(
                    conversion_rate(conversions, clicks),
                    rate.to_string().parse::<f64>().unwrap(),
                    "{conversions}/{clicks}"
                );
            }
            for payout in [
                dec!(0.00),
                dec!(18.00),
                dec!(5616.00),
                dec!(0.0005),
                dec!(12.345),
            ] {
                let mut epc = (payout / Decimal::from(clicks))
                    .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero);
                epc.rescale(3);
                assert_eq!(
                    earnings_per_click(payout, clicks).to_string(),
                    epc.to_string()
                );
            }
        }
        assert_eq!(conversion_rate(u64::MAX, 1), 1.8446744073709552e21);
    }
}
