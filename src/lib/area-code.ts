import { z } from 'zod';

/** An area code as the API takes it: a GB/T 2260 path of 2, 4, 6, 9, 12 or 15 digits (province down to grid). */
export const AreaCode = z
  .string()
  .regex(
    /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12}|\d{15})$/,
    'an area code (GB/T 2260 path) has 2, 4, 6, 9, 12 or 15 digits',
  );
