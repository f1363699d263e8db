//! What the setters of the generated type builders take for an optional field.

use std::num::{NonZeroU32, NonZeroU64};

/// A value an optional field's setter takes: the value itself, `Some(value)`
/// or `None`, a `&str` for a `String`, the builder of a nested type (checked
/// when the request is sent), an integer for a `NonZero` number. An error is
/// reported when the request is sent, with the field's name.
///
/// ```
/// use oz_api::types::{AmbientAgentConfig, RunAgentRequest};
/// let request: RunAgentRequest = RunAgentRequest::builder()
///     .prompt("Fix the flaky test")
///     .config(AmbientAgentConfig::builder().model_id("auto").idle_timeout_minutes(30))
///     .try_into()
///     .unwrap();
/// assert_eq!(request.prompt.as_deref(), Some("Fix the flaky test"));
/// ```
pub trait Optional<T> {
    fn into_optional(self) -> Result<Option<T>, String>;
}

impl<T> Optional<T> for T {
    fn into_optional(self) -> Result<Option<T>, String> {
        Ok(Some(self))
    }
}

impl<T> Optional<T> for Option<T> {
    fn into_optional(self) -> Result<Option<T>, String> {
        Ok(self)
    }
}

impl Optional<String> for &str {
    fn into_optional(self) -> Result<Option<String>, String> {
        Ok(Some(self.to_string()))
    }
}

impl<T, const N: usize> Optional<Vec<T>> for [T; N] {
    fn into_optional(self) -> Result<Option<Vec<T>>, String> {
        Ok(Some(self.into()))
    }
}

impl Optional<String> for &String {
    fn into_optional(self) -> Result<Option<String>, String> {
        Ok(Some(self.clone()))
    }
}

macro_rules! non_zero_from {
    ($non_zero:ty, $primitive:ty: $($int:ty),*) => {$(
        impl Optional<$non_zero> for $int {
            fn into_optional(self) -> Result<Option<$non_zero>, String> {
                <$primitive>::try_from(self)
                    .ok()
                    .and_then(<$non_zero>::new)
                    .map(Some)
                    .ok_or_else(|| format!("must be from 1 to {}, got {self}", <$primitive>::MAX))
            }
        }
    )*};
}

non_zero_from!(NonZeroU32, u32: i32, i64, u32, u64, usize);
non_zero_from!(NonZeroU64, u64: i32, i64, u32, u64, usize);
