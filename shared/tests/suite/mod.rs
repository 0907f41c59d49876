mod migrations;
mod transcript;
