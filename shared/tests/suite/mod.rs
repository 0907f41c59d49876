mod migrations;
mod status_enums;
mod transcript;
