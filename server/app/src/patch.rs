//! PATCH bodies: telling a field left out (no change) from one set to `null` (cleared).

use serde::{Deserialize, Deserializer};

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
/// Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A JSON object read into `T`, refusing arrays: serde would otherwise fill a struct from a
/// JSON array by position, which no client means and the document does not allow.
#[derive(Debug, Default)]
pub struct ObjectOnly<T>(pub T);

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let object = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        T::deserialize(serde_json::Value::Object(object)).map(ObjectOnly).map_err(serde::de::Error::custom)
    }
}
