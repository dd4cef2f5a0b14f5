pub mod district;
pub mod forms;
