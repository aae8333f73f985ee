//! The domain's closed sets as text columns: bound and read through their
//! one spelling (`Spelled`), by either driver, so a row can never carry an
//! unknown status, role or meeting type.

use crate::domain::{MeetingStatus, MeetingType, Role, Spelled};
use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

macro_rules! text_column {
    ($($t:ty),*) => {$(
        impl Type<Any> for $t {
            fn type_info() -> AnyTypeInfo {
                <String as Type<Any>>::type_info()
            }
        }

        impl<'q> Encode<'q, Any> for $t {
            fn encode_by_ref(
                &self,
                buf: &mut <Any as Database>::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                <&str as Encode<'q, Any>>::encode(Spelled::as_str(*self), buf)
            }
        }

        impl rusqlite::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(Spelled::as_str(*self).into())
            }
        }

        impl<'r> Decode<'r, Any> for $t {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <String as Decode<'r, Any>>::decode(value)?;
                <$t as Spelled>::from_str_exact(&text).ok_or_else(|| {
                    format!("unknown {} {text:?} in the database", stringify!($t)).into()
                })
            }
        }
    )*};
}

text_column!(MeetingStatus, MeetingType, Role);
