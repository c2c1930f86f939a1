"""Given names and surnames for demo children, grouped by DfE ethnicity category.

The categories are those of the DfE Children in Need census (code, then the label a social
worker reads). Weights roughly follow the make-up of England's 0-17 population so that a
list of a few hundred children looks like an ordinary English council's, not a stereotype.
Each group's names are common ones for that group in England; mixing is deliberate (plenty of
children in every group have names from other lists).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EthnicGroup:
    code: str  # CIN census code, e.g. WBRI
    label: str  # stored on the child record (the field is free text today)
    weight: float  # roughly percent of children
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]


_BRITISH_F = ("Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Florence",
              "Grace", "Sophie", "Emily", "Poppy", "Evie", "Ella", "Ruby", "Daisy", "Chloe",
              "Jessica", "Charlotte", "Holly", "Megan", "Lucy", "Millie", "Harper", "Willow",
              "Phoebe", "Ellie", "Scarlett", "Rosie", "Hannah", "Leah", "Courtney", "Paige")
_BRITISH_M = ("Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Oscar", "Jack", "Charlie",
              "Freddie", "Alfie", "Thomas", "Jacob", "Archie", "Henry", "Theo", "Joshua",
              "Lewis", "Callum", "Ryan", "Tyler", "Kai", "Riley", "Mason", "Logan", "Dylan",
              "Ethan", "Reuben", "Finley", "Jayden", "Liam", "Connor", "Bradley", "Kieran")
_BRITISH_S = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
              "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
              "Hall", "Wood", "Jackson", "Clarke", "Harrison", "Cooper", "Ward", "Hughes",
              "Turner", "Hill", "Moore", "Baker", "Parker", "Bennett", "Shaw", "Marshall",
              "Fletcher", "Atkinson", "Barnes", "Lloyd", "Holmes", "Pearson", "Webb", "Stevens",
              "Mitchell", "Kershaw", "Dawson", "Hodgson", "Booth", "Whitehead", "Sutcliffe",
              "Lambert", "Gibson", "Pickering")
_IRISH_F = ("Niamh", "Aoife", "Siobhan", "Ciara", "Roisin", "Orla", "Caitlin", "Erin")
_IRISH_M = ("Cian", "Sean", "Conor", "Liam", "Ronan", "Declan", "Patrick", "Oisin")

ETHNIC_GROUPS: tuple[EthnicGroup, ...] = (
    EthnicGroup("WBRI", "White: British", 62.0, _BRITISH_F, _BRITISH_M, _BRITISH_S),
    EthnicGroup("WIRI", "White: Irish", 1.0, _IRISH_F, _IRISH_M,
                ("Murphy", "Kelly", "O'Brien", "Byrne", "Ryan", "Walsh", "O'Connor", "Doyle",
                 "McCarthy", "Gallagher")),
    EthnicGroup("WIRT", "White: Traveller of Irish heritage", 0.5, _IRISH_F + ("Kathleen", "Bridget"),
                _IRISH_M + ("Michael", "Martin"),
                ("Ward", "McDonagh", "Joyce", "Maughan", "Connors", "Doherty", "Delaney")),
    EthnicGroup("WROM", "White: Gypsy/Roma", 0.8,
                ("Denisa", "Bianca", "Alexandra", "Claudia", "Vanesa", "Nikola"),
                ("Marian", "Florin", "Dominik", "Adrian", "Patrik", "Denis"),
                ("Lakatos", "Balog", "Olah", "Horvath", "Stan", "Dumitru", "Rostas")),
    EthnicGroup("WOTH", "White: any other White background", 7.0,
                ("Zuzanna", "Maja", "Julia", "Hanna", "Ioana", "Elena", "Gabija", "Beatriz",
                 "Sofia", "Ana", "Emilia", "Viktoria"),
                ("Jakub", "Kacper", "Szymon", "Antoni", "Andrei", "Luca", "Matas", "Tiago",
                 "Rafael", "Mateusz", "Filip", "Dawid"),
                ("Nowak", "Wójcik", "Kaczmarek", "Mazur", "Krawczyk", "Popescu", "Ionescu",
                 "Silva", "Santos", "Ferreira", "Pereira", "Rossi", "Horváth", "Petrov")),
    EthnicGroup("MWBC", "Mixed: White and Black Caribbean", 1.7,
                _BRITISH_F[:16] + ("Tia", "Jada", "Nevaeh"), _BRITISH_M[:16] + ("Jerome", "Malachi"),
                ("Campbell", "Williams", "Brown", "Thomas", "Grant", "Clarke", "Robinson",
                 "Francis", "Johnson", "Walker")),
    EthnicGroup("MWBA", "Mixed: White and Black African", 1.0,
                ("Amara", "Zara", "Nia", "Maya", "Imani", "Grace"),
                ("Kofi", "Tobi", "Reuben", "Elijah", "Joel", "Samuel"),
                ("Mensah", "Okafor", "Smith", "Taylor", "Adeyemi", "Hughes", "Osei")),
    EthnicGroup("MWAS", "Mixed: White and Asian", 1.5,
                ("Aisha", "Layla", "Maya", "Isla", "Priya", "Amelia", "Yasmin"),
                ("Zain", "Rohan", "Arlo", "Sami", "Adam", "Idris", "Leo"),
                ("Khan", "Patel", "Ali", "Jones", "Hall", "Shah", "Wood")),
    EthnicGroup("MOTH", "Mixed: any other mixed background", 2.0,
                ("Leah", "Nadia", "Sienna", "Alina", "Luna", "Eva"),
                ("Elias", "Jayden", "Kian", "Mateo", "Nathan", "Ezra"),
                ("Ahmed", "Da Silva", "Martinez", "Wilson", "Reid", "Costa", "Hassan")),
    EthnicGroup("AIND", "Asian or Asian British: Indian", 3.0,
                ("Anaya", "Priya", "Saanvi", "Diya", "Aanya", "Simran", "Harleen", "Riya"),
                ("Arjun", "Aarav", "Rohan", "Vihaan", "Dev", "Harjot", "Krish", "Gurveer"),
                ("Patel", "Sharma", "Singh", "Gill", "Sandhu", "Kumar", "Mistry", "Chauhan",
                 "Joshi", "Parmar")),
    EthnicGroup("APKN", "Asian or Asian British: Pakistani", 4.5,
                ("Aisha", "Maryam", "Zainab", "Hafsa", "Fatima", "Inaya", "Amira", "Hania",
                 "Safa", "Eman"),
                ("Muhammad", "Ibrahim", "Yusuf", "Ayaan", "Zayn", "Hamza", "Rayyan", "Musa",
                 "Bilal", "Umar"),
                ("Khan", "Hussain", "Ahmed", "Ali", "Iqbal", "Akhtar", "Mahmood", "Rashid",
                 "Shah", "Butt", "Rehman")),
    EthnicGroup("ABAN", "Asian or Asian British: Bangladeshi", 2.0,
                ("Tahmina", "Sumaiya", "Nusrat", "Ayesha", "Raisa", "Tasnim", "Safiya"),
                ("Rahim", "Tanvir", "Arif", "Sami", "Nabil", "Ismail", "Rayhan"),
                ("Miah", "Uddin", "Rahman", "Islam", "Hoque", "Ahmed", "Chowdhury", "Hussain")),
    EthnicGroup("AOTH", "Asian or Asian British: any other Asian background", 2.0,
                ("Sara", "Anjali", "Thanuja", "Maria", "Sunita", "Mahsa"),
                ("Ahmad", "Kiran", "Arun", "Joshua", "Suman", "Farid"),
                ("Gurung", "Rai", "Karimi", "Sivakumar", "Reyes", "Tamang", "Perera")),
    EthnicGroup("BCRB", "Black or Black British: Caribbean", 1.0,
                ("Shanice", "Kiara", "Jada", "Tiana", "Aaliyah", "Jasmine"),
                ("Jerome", "Tyrell", "Marcus", "Andre", "Jordan", "Kai"),
                ("Campbell", "Clarke", "Brown", "Francis", "Grant", "Williams", "Thomas", "Reid")),
    EthnicGroup("BAFR", "Black or Black British: African", 4.0,
                ("Amara", "Chiamaka", "Adaeze", "Precious", "Blessing", "Nana", "Fatou",
                 "Hodan", "Sagal", "Favour"),
                ("David", "Emmanuel", "Samuel", "Chinedu", "Tobi", "Kwame", "Abdi", "Mohamed",
                 "Daniel", "Ayo"),
                ("Okafor", "Adeyemi", "Mensah", "Osei", "Boateng", "Okoye", "Ibrahim", "Abdi",
                 "Hassan", "Diallo", "Nwosu", "Asante")),
    EthnicGroup("BOTH", "Black or Black British: any other Black background", 0.8,
                ("Jasmine", "Nia", "Tianna", "Zuri"),
                ("Malik", "Isaiah", "Jamal", "Josiah"),
                ("Johnson", "Thomas", "James", "Edwards", "Lewis")),
    EthnicGroup("CHNE", "Chinese", 0.7,
                ("Mei", "Lily", "Chloe", "Yan", "Ling", "Jia"),
                ("Jun", "Wei", "Ethan", "Kai", "Hao", "Ryan"),
                ("Chen", "Wang", "Li", "Zhang", "Liu", "Wong", "Lam", "Cheung")),
    EthnicGroup("OOTH", "Any other ethnic group", 2.0,
                ("Layla", "Noor", "Rania", "Shirin", "Hana", "Dilan"),
                ("Omar", "Yousef", "Karwan", "Reza", "Adam", "Ali"),
                ("Hassan", "Ahmadi", "Rahimi", "Aziz", "Mahmoud", "Karim", "Haddad")),
    EthnicGroup("REFU", "Refused", 0.5, _BRITISH_F, _BRITISH_M, _BRITISH_S),
    EthnicGroup("NOBT", "Information not yet obtained", 2.5, _BRITISH_F, _BRITISH_M, _BRITISH_S),
)
