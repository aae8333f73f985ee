//! One module per page.

pub mod dashboard_patient;
pub mod dashboard_researcher;
pub mod experts;
pub mod landing;
pub mod login;
pub mod not_found;
pub mod register;
pub mod settings;
