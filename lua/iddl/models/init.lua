-- iddl.models: builders of the networks the experiments use.
return {
  mlp = require('iddl.models.mlp').build,
  mlp_hidden = require('iddl.models.mlp').hidden,
  resnet = require('iddl.models.resnet').build,
}
