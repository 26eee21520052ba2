use super::{AmountCents, AmountError, InvoiceStatus, NumberStyle};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the invoice form sends, exactly as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InvoiceDraft {
    pub customer_id: String,
    pub amount: String,
    pub status: Option<String>,
}

/// A checked invoice: every field is known to be valid.
#[derive(Clone, Debug, PartialEq)]
pub struct InvoiceInput {
    pub customer_id: Uuid,
    pub amount: AmountCents,
    pub status: InvoiceStatus,
}

/// What is wrong with one field. The page shows it in the reader's language; `english()`
/// gives the Next.js Learn dashboard's own words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldError {
    SelectCustomer,
    AmountNotPositive,
    AmountNotANumber,
    AmountTooManyDecimals,
    AmountTooLarge,
    AmountMisplacedSeparator,
    SelectStatus,
}

impl FieldError {
    pub fn english(self) -> &'static str {
        match self {
            Self::SelectCustomer => "Please select a customer.",
            Self::AmountNotPositive => "Please enter an amount greater than $0.",
            Self::AmountNotANumber => "Please enter a number, like 125.50.",
            Self::AmountTooManyDecimals => "Please enter at most two decimals (cents).",
            Self::AmountTooLarge => "Please enter an amount up to $10,000,000.",
            Self::AmountMisplacedSeparator => {
                "Please use a point for cents, like 12.50 (a comma only separates thousands: 1,250.50)."
            }
            Self::SelectStatus => "Please select an invoice status.",
        }
    }
}

impl From<AmountError> for FieldError {
    fn from(e: AmountError) -> Self {
        match e {
            AmountError::NotPositive => Self::AmountNotPositive,
            AmountError::NotANumber => Self::AmountNotANumber,
            AmountError::TooManyDecimals => Self::AmountTooManyDecimals,
            AmountError::TooLarge => Self::AmountTooLarge,
            AmountError::MisplacedSeparator => Self::AmountMisplacedSeparator,
        }
    }
}

/// At most one error per field.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldErrors {
    pub customer_id: Option<FieldError>,
    pub amount: Option<FieldError>,
    pub status: Option<FieldError>,
}

impl InvoiceDraft {
    /// Checks every field; the amount is read the way the form's language writes numbers.
    pub fn parse(&self, style: NumberStyle) -> Result<InvoiceInput, FieldErrors> {
        let customer_id =
            Uuid::parse_str(self.customer_id.trim()).map_err(|_| FieldError::SelectCustomer);
        let amount = AmountCents::parse(&self.amount, style).map_err(FieldError::from);
        let status = self
            .status
            .as_deref()
            .and_then(|s| s.parse::<InvoiceStatus>().ok())
            .ok_or(FieldError::SelectStatus);
        match (customer_id, amount, status) {
            (Ok(customer_id), Ok(amount), Ok(status)) => Ok(InvoiceInput {
                customer_id,
                amount,
                status,
            }),
            (c, a, s) => Err(FieldErrors {
                customer_id: c.err(),
                amount: a.err(),
                status: s.err(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_form_reports_every_field() {
        let errors = InvoiceDraft::default()
            .parse(NumberStyle::English)
            .unwrap_err();
        assert_eq!(
            errors.customer_id.map(FieldError::english),
            Some("Please select a customer.")
        );
        assert_eq!(
            errors.amount.map(FieldError::english),
            Some("Please enter an amount greater than $0.")
        );
        assert_eq!(
            errors.status.map(FieldError::english),
            Some("Please select an invoice status.")
        );
    }

    #[test]
    fn a_complete_form_parses() {
        let draft = InvoiceDraft {
            customer_id: "d6e15727-9fe1-4961-8c5b-ea44a9bd81aa".into(),
            amount: "157.95".into(),
            status: Some("pending".into()),
        };
        let input = draft.parse(NumberStyle::English).unwrap();
        assert_eq!(input.amount.cents(), 15795);
        assert_eq!(input.status, InvoiceStatus::Pending);
    }

    #[test]
    fn an_unknown_status_is_a_field_error() {
        let draft = InvoiceDraft {
            status: Some("overdue".into()),
            ..Default::default()
        };
        assert_eq!(
            draft.parse(NumberStyle::Italian).unwrap_err().status,
            Some(FieldError::SelectStatus)
        );
    }

    #[test]
    fn the_amount_is_read_in_the_forms_language() {
        let draft = InvoiceDraft {
            customer_id: "d6e15727-9fe1-4961-8c5b-ea44a9bd81aa".into(),
            amount: "12,50".into(),
            status: Some("paid".into()),
        };
        assert_eq!(
            draft.parse(NumberStyle::Italian).unwrap().amount.cents(),
            1250
        );
        assert_eq!(
            draft.parse(NumberStyle::English).unwrap_err().amount,
            Some(FieldError::AmountMisplacedSeparator)
        );
    }
}
