// The fault matrix (test/helpers/fault-matrix.ts) with shenzhen faulty, on its own stack.

import { faultMatrix } from '../../helpers/fault-matrix.ts';

faultMatrix('shenzhen');
