-- iddl.optim: optimizers (SGD, Adam, AdamW) and learning-rate schedules
-- (StepLR, MultiStepLR, CosineAnnealingLR). See doc/optim.md.
local adam = require 'iddl.optim.adam'
local sched = require 'iddl.optim.lr_scheduler'

return {
  SGD = require 'iddl.optim.sgd',
  Adam = adam.Adam,
  AdamW = adam.AdamW,
  StepLR = sched.StepLR,
  MultiStepLR = sched.MultiStepLR,
  CosineAnnealingLR = sched.CosineAnnealingLR,
}
