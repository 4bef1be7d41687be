from indexer.cli import cli

cli(prog_name="fahras")
