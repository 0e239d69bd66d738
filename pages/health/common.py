"""The id prefix the Data health page's modules share."""

PAGE = "health"
