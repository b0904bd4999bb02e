//! Column definitions that behave the same on every supported backend.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// A UTC instant with microsecond precision.
///
/// Stored without a zone (the application writes UTC only). MySQL's `DATETIME` defaults to
/// whole seconds and its `TIMESTAMP` ends in 2038, so MySQL gets an explicit `DATETIME(6)`.
pub fn instant(manager: &SchemaManager, column: impl IntoIden) -> ColumnDef {
    let mut def = ColumnDef::new(column);
    match manager.get_database_backend() {
        DbBackend::MySql => def.custom(Alias::new("DATETIME(6)")),
        _ => def.date_time(),
    };
    def
}

pub fn instant_not_null(manager: &SchemaManager, column: impl IntoIden) -> ColumnDef {
    let mut def = instant(manager, column);
    def.not_null();
    def
}

pub fn instant_null(manager: &SchemaManager, column: impl IntoIden) -> ColumnDef {
    let mut def = instant(manager, column);
    def.null();
    def
}

pub fn uuid_not_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).uuid().not_null().take()
}

pub fn uuid_null(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).uuid().null().take()
}

pub fn string_not_null(column: impl IntoIden, length: u32) -> ColumnDef {
    ColumnDef::new(column).string_len(length).not_null().take()
}

pub fn string_null(column: impl IntoIden, length: u32) -> ColumnDef {
    ColumnDef::new(column).string_len(length).null().take()
}

pub fn flag(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .boolean()
        .not_null()
        .default(false)
        .take()
}
