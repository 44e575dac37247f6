//! Field errors in Discord's nested shape, so clients can show each one beside its field:
//! `{"username": {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "..."}]}}`.

use serde_json::{Map, Value, json};

/// One problem with one field of a request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Where in the body, outermost first (`["user", "email"]`).
    pub path: Vec<String>,
    /// A stable upper-case code (`BASE_TYPE_REQUIRED`, `USERNAME_ALREADY_TAKEN`).
    pub code: &'static str,
    pub message: String,
}

/// Every field error found in one request; empty means the request is valid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn single(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, code, message);
        e
    }
    pub fn add(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.add_at(vec![field.to_owned()], code, message);
    }
    pub fn add_at(&mut self, path: Vec<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldError { path, code, message: message.into() });
    }
    /// Takes in another set's errors (each entry of a list checked on its own).
    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }
    /// Records the error of a parse, keeping the value if it parsed.
    pub fn check<T, E: Into<FieldError>>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                let mut e = e.into();
                e.path = vec![field.to_owned()];
                self.0.push(e);
                None
            }
        }
    }
    /// `Ok(())` when empty, so handlers can `errors.into_result()?` after collecting.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Discord's nested JSON form.
    pub fn to_json(&self) -> Value {
        let mut root = Map::new();
        for error in &self.0 {
            let mut node = &mut root;
            for segment in &error.path {
                node = node
                    .entry(segment.clone())
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("field error nodes are always objects");
            }
            let list = node.entry("_errors").or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                list.push(json!({ "code": error.code, "message": error.message }));
            }
        }
        Value::Object(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_nest_by_path_and_group_per_field() {
        let mut e = FieldErrors::new();
        e.add("username", "BASE_TYPE_REQUIRED", "This field is required");
        e.add_at(vec!["a".into(), "b".into()], "X", "deep");
        e.add("username", "Y", "second");
        assert_eq!(
            e.to_json(),
            json!({
                "username": {"_errors": [
                    {"code": "BASE_TYPE_REQUIRED", "message": "This field is required"},
                    {"code": "Y", "message": "second"}
                ]},
                "a": {"b": {"_errors": [{"code": "X", "message": "deep"}]}}
            })
        );
    }
}
