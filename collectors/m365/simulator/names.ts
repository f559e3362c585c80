/** Name pools for generated people and devices. Plain ASCII so UPNs need no normalisation. */
export const FIRST_NAMES = [
  'Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Elijah', 'Sophia', 'Lucas', 'Mia', 'Mateo', 'Amelia', 'Levi', 'Harper',
  'Ethan', 'Evelyn', 'James', 'Aria', 'Benjamin', 'Chloe', 'Henry', 'Nora', 'Samuel', 'Zoe', 'Jack', 'Layla', 'Owen',
  'Grace', 'Daniel', 'Hana', 'Ravi', 'Priya', 'Kenji', 'Yuki', 'Aisha', 'Omar', 'Fatima', 'Lars', 'Ingrid', 'Mateus',
  'Lucia', 'Pierre', 'Camille', 'Jonas', 'Lea', 'Tomasz', 'Zofia', 'Diego', 'Valentina',
] as const;

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Wilson',
  'Anderson', 'Taylor', 'Thomas', 'Moore', 'Jackson', 'Martin', 'Lee', 'Thompson', 'White', 'Harris', 'Clark',
  'Lewis', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson', 'Hill',
  'Patel', 'Nakamura', 'Sato', 'Khan', 'Haddad', 'Larsen', 'Berg', 'Silva', 'Rossi', 'Dubois', 'Schmidt', 'Nowak',
  'Kowalski', 'Lopez',
] as const;

export const DEPARTMENTS = ['Sales', 'Finance', 'Operations', 'Engineering', 'Marketing', 'HR', 'Support', 'Legal'] as const;

export const JOB_TITLES = ['Analyst', 'Manager', 'Engineer', 'Consultant', 'Coordinator', 'Specialist', 'Director', 'Associate'] as const;

export const PARTNER_DOMAINS = ['fabrikam.com', 'adatum.com', 'litware.com', 'proseware.com', 'wingtiptoys.com'] as const;
