//! The response types as columns (`cake_client::columns`): named and ordered as the spec's
//! properties, nested objects in place, each value with its kind.

use cake_client::{
    columns::{ColumnValue, Columns},
    types,
};

#[test]
fn a_row_is_its_spec_properties_in_order_with_nested_objects_in_place() {
    assert_eq!(
        <types::Conversion as Columns>::COLUMNS,
        [
            "conversion_id",
            "offer_id",
            "offer_name",
            "affiliate_id",
            "affiliate_name",
            "payout",
            "revenue",
            "conversion_status",
            "conversion_date"
        ]
    );
    let row = types::Click {
        click_id: "c1".into(),
        click_date: "2026-01-15 09:42:11".parse().unwrap(),
        offer_id: 12345,
        affiliate_id: 67890,
        sub_id_1: None,
        ip_address: "10.0.0.1".into(),
        country: "US".into(),
        converted: true,
        conversion_id: Some(7),
    };
    let values = row.column_values();
    assert_eq!(values.len(), <types::Click as Columns>::COLUMNS.len());
    assert_eq!(values[0], ColumnValue::Text("c1".into()));
    assert_eq!(values[1], ColumnValue::Text("2026-01-15 09:42:11".into()));
    assert_eq!(values[4], ColumnValue::Missing);
    assert_eq!(values[7], ColumnValue::Bool(true));
    assert_eq!(values[8], ColumnValue::Integer(7));
}
