"""`statusgen notify`: push each public update once to every configured channel.

config.py reads the channels, plan.py decides (pure), ledger.py remembers what each channel
confirmed, formats.py and mail.py shape messages, send.py delivers them (deliver.py per
channel), run.py orchestrates.
"""
