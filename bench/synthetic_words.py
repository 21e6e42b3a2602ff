"""Word lists the synthetic mailbox draws names, organisations and subjects from."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony "
    "Betty Mark Sandra Paul Ashley Steven Emily Andrew Kimberly Kenneth Donna Joshua Michelle "
    "Kevin Carol Brian Amanda George Melissa Timothy Deborah Ronald Stephanie Jason Rebecca "
    "Edward Sharon Jeffrey Laura Ryan Cynthia Jacob Amy Gary Kathleen Nicholas Angela Eric "
    "Helen Jonathan Anna Stephen Brenda Larry Pamela Justin Emma Scott Nicole Brandon Samantha "
    "Priya Arjun Mei Hiroshi Yuki Fatima Omar Ingrid Lars Sofia Mateo Chiara Luca Aisha Kwame"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen "
    "Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Patel "
    "Shah Tanaka Sato Kim Park Chen Wang Okafor Mensah Johansson Nilsson Rossi Bianchi Schmidt "
    "Fischer Weber Dubois Moreau Novak Kowalski Horvat Silva Costa Murphy Kelly OBrien Byrne"
)
#: Names that need RFC 2047 encoding (Q or B); ~5% of correspondents carry one.
ENCODED_NAMES = (
    "Renée Müller",
    "José García",
    "Zoë Çelik",
    "Søren Ødegaard",
    "Łukasz Wróbel",
    "François Lefèvre",
    "Jürgen Groß",
    "Ángela Núñez",
    "Björn Åström",
    "Chloé Dupré",
    "王伟",
    "李娜",
    "山田 花子",
    "Đorđe Petrović",
    "Ayşe Yılmaz",
    "Παύλος Γεωργίου",
)
ORG_WORDS = _words(
    "acme lumen bridge north quartz river atlas vector harbor summit cobalt maple orbit prism "
    "cedar falcon nimbus beacon delta ember forge granite helix iris juniper kestrel lattice "
    "meridian nova onyx pioneer quill radiant sable tandem umbra vertex willow zenith apex "
    "blue green red silver golden bright clear deep swift true open smart data cloud labs works "
    "systems health capital partners ventures analytics robotics studio group bio energy"
)
TLDS = ("com", "com", "com", "io", "co.uk", "de", "fr", "org", "net", "ai", "nl", "co", "ch", "se")
PERSONAL_DOMAINS = (
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "hotmail.com",
    "proton.me",
    "gmx.de",
    "web.de",
)
ZONES = (
    "+0000",
    "+0000",
    "+0100",
    "+0200",
    "-0500",
    "-0400",
    "-0800",
    "-0700",
    "+0530",
    "+0900",
    "+1000",
    "+0800",
)
MAILERS = (
    "Microsoft Outlook 16.0",
    "Apple Mail (2.3774.600.62)",
    "Thunderbird 128.3.1",
    "Mozilla Thunderbird",
    "iPhone Mail (21G93)",
    "Superhuman",
    "Spark 3.14",
)
TOPICS = (
    "the Q3 roadmap",
    "our call on Tuesday",
    "the pilot proposal",
    "your talk at the meetup",
    "the data pipeline review",
    "introductions",
    "the workshop agenda",
    "the contract draft",
    "hiring for the platform team",
    "the benchmark results",
    "next steps",
    "the conference panel",
    "coffee next week",
    "the API migration",
    "the research paper",
    "your feedback",
    "the partnership",
    "the invoice",
    "the board deck",
    "the design doc",
    "a quick question",
)
BODY_LINES = (
    "Thanks for getting back to me so quickly.",
    "I had a look at the numbers and they seem reasonable to me.",
    "Could we find thirty minutes later this week to go through it?",
    "Attaching nothing this time, the link in the doc should work.",
    "Let me know if anything is unclear or if you need more context.",
    "I have copied a colleague who knows more about the details.",
    "We are still waiting on legal, but it should not take long.",
    "Happy to help with an introduction if that is useful.",
    "The team liked the idea and wants to move forward.",
    "Sorry for the slow reply, it has been a busy fortnight.",
    "I will send the revised version by Friday.",
    "No rush on this one.",
)
NEWSLETTER_SUBJECTS = (
    "Your weekly digest",
    "This week in data engineering",
    "New features you might have missed",
    "Your monthly statement is ready",
    "Last chance: early-bird tickets",
    "Top stories for you",
    "What's new in November",
    "Product update",
    "Webinar invitation",
    "Community roundup",
)
NOTIFICATION_SUBJECTS = (
    "[repo] New comment on pull request #{n}",
    "Your order #{n} has shipped",
    "Security alert: new sign-in",
    "Password reset requested",
    "Invoice {n} is available",
    "Build #{n} failed",
    "You have a new message",
    "Reminder: renew your subscription",
)
