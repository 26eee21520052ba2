use super::{AmountCents, InvoiceStatus};
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

/// One message per field, in the words of the Next.js Learn dashboard.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldErrors {
    pub customer_id: Option<String>,
    pub amount: Option<String>,
    pub status: Option<String>,
}

impl InvoiceDraft {
    pub fn parse(&self) -> Result<InvoiceInput, FieldErrors> {
        let customer_id = Uuid::parse_str(self.customer_id.trim())
            .map_err(|_| "Please select a customer.".to_string());
        let amount = AmountCents::parse_dollars(&self.amount).map_err(|e| e.to_string());
        let status = self
            .status
            .as_deref()
            .and_then(|s| s.parse::<InvoiceStatus>().ok())
            .ok_or_else(|| "Please select an invoice status.".to_string());
        match (customer_id, amount, status) {
            (Ok(customer_id), Ok(amount), Ok(status)) => Ok(InvoiceInput { customer_id, amount, status }),
            (c, a, s) => Err(FieldErrors { customer_id: c.err(), amount: a.err(), status: s.err() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_form_reports_every_field() {
        let errors = InvoiceDraft::default().parse().unwrap_err();
        assert_eq!(errors.customer_id.as_deref(), Some("Please select a customer."));
        assert_eq!(errors.amount.as_deref(), Some("Please enter an amount greater than $0."));
        assert_eq!(errors.status.as_deref(), Some("Please select an invoice status."));
    }

    #[test]
    fn a_complete_form_parses() {
        let draft = InvoiceDraft {
            customer_id: "d6e15727-9fe1-4961-8c5b-ea44a9bd81aa".into(),
            amount: "157.95".into(),
            status: Some("pending".into()),
        };
        let input = draft.parse().unwrap();
        assert_eq!(input.amount.cents(), 15795);
        assert_eq!(input.status, InvoiceStatus::Pending);
    }

    #[test]
    fn an_unknown_status_is_a_field_error() {
        let draft = InvoiceDraft { status: Some("overdue".into()), ..Default::default() };
        assert_eq!(draft.parse().unwrap_err().status.as_deref(), Some("Please select an invoice status."));
    }
}
