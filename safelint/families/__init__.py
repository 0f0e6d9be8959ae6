"""The common part of each rule family that shares one analysis: its option, its shared
documentation, the loop that hands the analysis' facts to the rules, and the wording every
rule of the family uses for the same fact. Each rule module says which facts it reports and
how it says so."""
