"""The `ember` command: train, evaluate and predict with the MNIST / Fashion-MNIST models.

Each subcommand lives in its own module (train, evaluate, predict) and contributes an argparse
subparser through ``add_parser``; ember.cli.main ties them together and turns bad input into a
one-line ``ember: error: ...`` message.
"""
