"""Realistic mailboxes with a known truth, built at test time (never copied from real data).

Each generator writes a mailbox shaped like what keepwarm meets in the wild — a public-inbox
(lore) mbox of a kernel maintainer, an Enron-style maildir tree, a folder of calendar
invitations from Google, Exchange and iCloud — and returns the `Truth`: for every address,
what it is and which draft (if any) a demanding professional would want now.
"""
