"""The use cases shared by the CLI and the web page: the district run, its review outputs, the province job."""
