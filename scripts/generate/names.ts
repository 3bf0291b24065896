/**
 * Name material for a North West London-like region. Codes look like ODS codes; they are
 * synthetic and only the ICB/CCG/trust ones echo real organisations.
 */

export const ICB = { code: 'QRV', name: 'NHS North West London Integrated Care Board' } as const;

/** CCGs in the order they join the rollout (the pilot first). */
export const CCGS = [
  { code: '08Y', name: 'NHS West London CCG', practicePrefix: 'E85' },
  { code: '07W', name: 'NHS Ealing CCG', practicePrefix: 'E86' },
  { code: '07P', name: 'NHS Brent CCG', practicePrefix: 'E84' },
  { code: '09A', name: 'NHS Central London CCG', practicePrefix: 'E87' },
  { code: '08C', name: 'NHS Hammersmith and Fulham CCG', practicePrefix: 'E83' },
  { code: '07Y', name: 'NHS Hounslow CCG', practicePrefix: 'E81' },
  { code: '08E', name: 'NHS Harrow CCG', practicePrefix: 'E82' },
  { code: '08G', name: 'NHS Hillingdon CCG', practicePrefix: 'E88' },
] as const;

export const TRUSTS = [
  { code: 'RYJ', name: 'Imperial College Healthcare NHS Trust' },
  { code: 'R1K', name: 'London North West University Healthcare NHS Trust' },
  { code: 'RQM', name: 'Chelsea and Westminster Hospital NHS Foundation Trust' },
  { code: 'RAS', name: 'The Hillingdon Hospitals NHS Foundation Trust' },
  { code: 'RT3', name: 'Royal Brompton and Harefield NHS Foundation Trust' },
  { code: 'RPY', name: 'The Royal Marsden NHS Foundation Trust' },
  { code: 'RAN', name: 'Royal National Orthopaedic Hospital NHS Trust' },
  { code: 'RP6', name: 'Moorfields Eye Hospital NHS Foundation Trust' },
] as const;

export const COMMUNITY_SERVICES = [
  { code: 'RYX', name: 'Central London Community Healthcare NHS Trust' },
  { code: 'RV3', name: 'Central and North West London NHS Foundation Trust' },
  { code: 'RKL', name: 'West London NHS Trust' },
  { code: 'RY9', name: 'Hounslow and Richmond Community Healthcare NHS Trust' },
  { code: 'RV3BR', name: 'CNWL Brent Community Services' },
  { code: 'RV3HW', name: 'CNWL Harrow Community Services' },
  { code: 'RV3HL', name: 'CNWL Hillingdon Community Services' },
  { code: 'RYXWM', name: 'CLCH Westminster Community Nursing' },
  { code: 'RYXHF', name: 'CLCH Hammersmith and Fulham Community Services' },
  { code: 'RKLEA', name: 'Ealing Community Partners' },
  { code: 'NQ1HS', name: 'Hounslow Sexual Health Service' },
  { code: 'NR5PD', name: 'North West London Podiatry Service' },
  { code: 'NL3MS', name: 'North West London MSK Community Service' },
  { code: 'NT4DN', name: 'Brent and Harrow District Nursing' },
] as const;

export const PLACES = [
  'Acton', 'Alperton', 'Bayswater', 'Bedford Park', 'Brentford', 'Brondesbury', 'Chiswick',
  'Church End', 'Colindale', 'Cowley', 'Cranford', 'Dollis Hill', 'Ealing Broadway', 'Earls Court',
  'Eastcote', 'Edgware Road', 'Feltham', 'Fulham Cross', 'Greenford', 'Hanwell', 'Hammersmith Grove',
  'Harefield', 'Harlesden', 'Harrow on the Hill', 'Hatch End', 'Hayes', 'Heston', 'Hillingdon Heath',
  'Holland Park', 'Hounslow West', 'Ickenham', 'Isleworth', 'Kensal Rise', 'Kenton', 'Kilburn',
  'Kingsbury', 'Ladbroke Grove', 'Maida Vale', 'Marylebone', 'Neasden', 'North Hyde', 'Northolt',
  'Northwood', 'Notting Hill', 'Paddington', 'Park Royal', 'Perivale', 'Pimlico', 'Pinner',
  'Queens Park', 'Rayners Lane', 'Ruislip', 'Shepherds Bush', 'Southall', 'South Harrow',
  'Stanmore', 'St Johns Wood', 'Sudbury', 'Uxbridge', 'Walham Green', 'Wealdstone', 'Wembley Park',
  'West Drayton', 'Westbourne', 'White City', 'Willesden', 'Yeading', 'Yiewsley', 'Bedfont',
  'Hatton Cross', 'Osterley', 'Syon', 'Norwood Green', 'Wood End', 'Roxeth', 'Queensbury',
];

export const STREETS = [
  'Abbey Road', 'Argyle Street', 'Bath Road', 'Boston Road', 'Broadway', 'Cambridge Road',
  'Church Street', 'Clifton Gardens', 'Cromwell Road', 'Denmark Road', 'Elm Grove', 'Fairfield Avenue',
  'Glebe Road', 'Grove Park', 'High Street', 'Highfield Road', 'Kings Road', 'Lady Margaret Road',
  'London Road', 'Mill Lane', 'New Road', 'Oak Lane', 'Park Road', 'Queens Walk', 'Ravenscourt Road',
  'Station Road', 'The Avenue', 'The Mall', 'Uxbridge Road', 'Vicarage Road', 'Victoria Road',
  'Warwick Road', 'Wellington Road', 'Westway', 'Windmill Lane', 'Woodlands Road',
];

export const SURNAMES = [
  'Ahmed', 'Bhatt', 'Chandra', 'Clarke', 'Davies', 'Evans', 'Farooq', 'Gupta', 'Hall', 'Hussain',
  'Iqbal', 'Jones', 'Kapoor', 'Khan', 'Lewis', 'Malik', 'Mistry', 'Nair', 'Okafor', 'Osei', 'Patel',
  'Rahman', 'Rao', 'Roberts', 'Shah', 'Singh', 'Smith', 'Taylor', 'Thomas', 'Varma', 'Walker',
  'Williams', 'Wright', 'Yusuf',
];

export const PRACTICE_SUFFIXES = [
  'Surgery', 'Medical Centre', 'Health Centre', 'Medical Practice', 'Group Practice', 'Family Practice',
];
